"""Changes to a loan that one staff member asks for and another approves (maker-checker).

A loan officer or risk manager (the maker) requests a RESTRUCTURE, a WRITE_OFF or the REVERSAL
of a repayment, with a reason; the request is checked at once (the loan's state, the terms) and
waits as PENDING. A risk manager who is not the maker (the checker) approves it, which executes
the change in the same transaction as the decision, or rejects it. A decided change cannot be
decided again (INVALID_STATE); one loan has at most one pending change of each kind (CONFLICT).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import Loan, LoanChange, Repayment, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from domain.loanbook.restructure import (
    RestructureTerms,
    check_restructurable,
    parse_terms,
    restructure_now,
)
from domain.loanbook.writeoff import book_date, check_writable_off, write_off_now

MAKER_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER})
CHECKER_ROLES = frozenset({Role.RISK_MANAGER})
RESTRUCTURE, WRITE_OFF, REVERSAL = "RESTRUCTURE", "WRITE_OFF", "REVERSAL"
PENDING, APPROVED, REJECTED = "PENDING", "APPROVED", "REJECTED"


def _maker(principal: Principal) -> str:
    if principal.role not in MAKER_ROLES:
        raise Forbidden("only a loan officer or a risk manager may request a change to a loan")
    return f"user:{principal.email}"


def _reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("a reason is required", field=field)
    return text[:2000]


async def _loan(loan_id: int, conn: BaseDBAsyncClient | None = None) -> Loan:
    query = Loan.filter(id=loan_id)
    if conn is not None:
        query = query.using_db(conn).select_for_update()
    loan = await query.first()
    if loan is None:
        raise NotFound("no such loan", field="loanId")
    return loan


async def _request(
    principal: Principal, loan_id: int, kind: str, reason: str, payload: dict[str, Any]
) -> LoanChange:
    """Store the pending change (after the caller's checks), audited."""
    actor = _maker(principal)
    async with in_transaction() as conn:
        await _loan(loan_id, conn)  # one request at a time per loan
        pending = LoanChange.filter(loan_id=loan_id, kind=kind, status=PENDING)
        if await pending.using_db(conn).exists():
            raise Conflict(f"a {kind.lower().replace('_', ' ')} of this loan is already pending")
        change = await LoanChange.create(
            loan_id=loan_id, kind=kind, status=PENDING, payload=payload, reason=reason,
            requested_by=actor, requested_by_id=principal.user_id,
            requested_at=datetime.now(UTC), using_db=conn,
        )  # fmt: skip
        await audit.record(actor=actor, action=f"loan_change.request.{kind.lower()}",
                           entity_type="loan", entity_id=loan_id, connection=conn,
                           data={"change_id": change.id, "reason": reason, **payload})  # fmt: skip
    return change


async def request_restructure(
    *,
    principal: Principal,
    loan_id: int,
    extra_months: int | None,
    new_term_months: int | None,
    annual_rate: Decimal | str | None,
    reason: str,
) -> LoanChange:
    """Ask for an extension (`extra_months` on top of the months left), a new term and/or a new
    annual rate; the change waits for a checker."""
    _maker(principal)
    terms = parse_terms(extra_months, new_term_months, annual_rate)
    text = _reason(reason)
    check_restructurable(await _loan(loan_id))
    return await _request(principal, loan_id, RESTRUCTURE, text, terms.payload())


async def request_write_off(*, principal: Principal, loan_id: int, reason: str) -> LoanChange:
    """Ask for the loan to be written off; the change waits for a checker."""
    _maker(principal)
    text = _reason(reason)
    check_writable_off(await _loan(loan_id))
    return await _request(principal, loan_id, WRITE_OFF, text, {})


async def request_reversal(*, principal: Principal, repayment_id: int, reason: str) -> LoanChange:
    """Ask for a repayment (or recovery) to be reversed, e.g. a bounced transfer."""
    _maker(principal)
    text = _reason(reason)
    repayment = await Repayment.get_or_none(id=repayment_id)
    if repayment is None:
        raise NotFound("no such repayment", field="repaymentId")
    if repayment.reversed_at is not None:
        raise InvalidState("this repayment was reversed already")
    payload = {"repayment_id": repayment.id, "amount": str(repayment.amount)}
    return await _request(principal, repayment.loan_id, REVERSAL, text, payload)  # type: ignore[attr-defined]


async def _decidable(principal: Principal, change_id: int, conn: BaseDBAsyncClient) -> LoanChange:
    """The pending change, locked, when this caller may decide it."""
    if principal.role not in CHECKER_ROLES:
        raise Forbidden("only a risk manager may approve or reject a change to a loan")
    change = await LoanChange.filter(id=change_id).using_db(conn).select_for_update().first()
    if change is None:
        raise NotFound("no such change", field="changeId")
    if change.status != PENDING:
        raise InvalidState(f"the change was {change.status.lower()} already")
    if change.requested_by_id == principal.user_id:
        raise Forbidden("maker-checker: the maker of a change cannot decide it")
    return change


async def _decide(
    change: LoanChange,
    principal: Principal,
    status: str,
    comment: str,
    result: dict[str, Any] | None,
    conn: BaseDBAsyncClient,
) -> None:
    actor = f"user:{principal.email}"
    change.status = status
    change.decided_by = actor
    change.decided_at = datetime.now(UTC)
    change.decision_comment = comment
    change.result = result
    await change.save(using_db=conn, update_fields=["status", "decided_by", "decided_at",
                                                    "decision_comment", "result"])  # fmt: skip
    await audit.record(actor=actor, action=f"loan_change.{status.lower()}", entity_type="loan",
                       entity_id=change.loan_id, connection=conn,  # type: ignore[attr-defined]
                       data={"change_id": change.id, "kind": change.kind, "comment": comment,
                             "maker": change.requested_by})  # fmt: skip


async def approve_change(
    *, principal: Principal, change_id: int, comment: str, business_date: date | None = None
) -> LoanChange:
    """Approve a pending change and carry it out, both in one transaction (a risk manager who
    is not its maker). The change's `result` says what was done."""
    text = (comment or "").strip()[:2000]
    async with in_transaction() as conn:
        change = await _decidable(principal, change_id, conn)
        loan = await _loan(change.loan_id, conn)  # type: ignore[attr-defined]
        on = business_date or book_date(loan)
        actor = f"user:{principal.email}"
        result = await _execute(change, loan, actor=actor, on=on, conn=conn)
        await _decide(change, principal, APPROVED, text, {**result, "business_date": str(on)},
                      conn)  # fmt: skip
    return change


async def _execute(
    change: LoanChange, loan: Loan, *, actor: str, on: date, conn: BaseDBAsyncClient
) -> dict[str, Any]:
    reason = f"{change.reason} (change {change.id}, requested by {change.requested_by})"
    if change.kind == RESTRUCTURE:
        terms = RestructureTerms.from_payload(change.payload)
        return await restructure_now(loan, terms, actor=actor, reason=reason, on=on, conn=conn)
    if change.kind == WRITE_OFF:
        return await write_off_now(loan, actor=actor, reason=reason, on=on, conn=conn)
    if change.kind == REVERSAL:
        return await _reverse(change, loan, actor=actor, reason=reason, conn=conn)
    raise InvalidState(f"unknown kind of change: {change.kind}")


async def _reverse(
    change: LoanChange, loan: Loan, *, actor: str, reason: str, conn: BaseDBAsyncClient
) -> dict[str, Any]:
    from domain.loanbook.writeoff import reverse_recovery_now

    repayment_id = int(change.payload["repayment_id"])
    repayment = await Repayment.filter(id=repayment_id).using_db(conn).first()
    if repayment is None:
        raise NotFound("no such repayment", field="repaymentId")
    if repayment.kind == "RECOVERY":
        done = await reverse_recovery_now(repayment, loan, actor=actor, reason=reason, conn=conn)
    else:
        from domain.loanbook.repayments import reverse_repayment_now

        done = await reverse_repayment_now(
            repayment_id=repayment_id, actor=actor, reason=reason, conn=conn
        )
    return {"repayment_id": done.id, "amount": str(done.amount), "kind": done.kind}


async def reject_change(*, principal: Principal, change_id: int, comment: str) -> LoanChange:
    """Turn a pending change down, with a comment (a risk manager who is not its maker)."""
    text = _reason(comment, field="comment")
    async with in_transaction() as conn:
        change = await _decidable(principal, change_id, conn)
        await _decide(change, principal, REJECTED, text, None, conn)
    return change


async def pending_changes(*, principal: Principal) -> list[LoanChange]:
    """Changes waiting for a checker, oldest first (staff with money powers)."""
    if principal.role not in MAKER_ROLES:
        raise Forbidden("only a loan officer or a risk manager sees changes awaiting approval")
    return list(await LoanChange.filter(status=PENDING).order_by("id"))


__all__ = [
    "APPROVED",
    "CHECKER_ROLES",
    "MAKER_ROLES",
    "PENDING",
    "REJECTED",
    "approve_change",
    "pending_changes",
    "reject_change",
    "request_restructure",
    "request_reversal",
    "request_write_off",
]
