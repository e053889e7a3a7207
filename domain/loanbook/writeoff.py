"""Write-off (核销) and the recoveries booked after it.

Writing a loan off, in one transaction on the business date it is approved:

1. the loan-loss allowance is brought up to the whole principal outstanding (PROVISION:
   Dr PROVISION_EXPENSE, Cr LOAN_LOSS_ALLOWANCE), whatever the LOSS tier's configured rate;
2. one WRITE_OFF entry: the principal against the allowance (Dr LOAN_LOSS_ALLOWANCE,
   Cr LOAN_PRINCIPAL); interest, penalty and fee receivables against the income they were
   booked to (Dr INTEREST_INCOME / PENALTY_INCOME / FEE_INCOME, Cr the receivable); and the
   memo of the claim kept off the balance sheet (Dr WRITTEN_OFF_CLAIMS, Cr WRITTEN_OFF_CONTRA)
   for the total written off;
3. the loan moves to WRITTEN_OFF and is classified LOSS.

A recovery is money still collected from the borrower afterwards: Dr SETTLEMENT,
Cr RECOVERY_INCOME, and the memo reduced by the same amount (Dr WRITTEN_OFF_CONTRA,
Cr WRITTEN_OFF_CLAIMS); never more than the claim left. A credit balance held for the
borrower is not touched by a write-off: it stays owed to the borrower.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import JournalLine, Loan, Repayment, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound
from domain.loanbook.accounts import Account
from domain.loanbook.classification import Classification
from domain.loanbook.ledger import Line, cr, dr, post
from domain.loanbook.status import LoanEvent, LoanStatus, can_move, move
from domain.money import parse_amount

RECOVERY_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.SERVICE})


def book_date(loan: Loan, today: date | None = None) -> date:
    """The business date a change to the loan is booked on: the first day the end-of-day batch
    has not closed for it (the day after `closed_through`), so the batch closes that day with
    the change in place; today for a loan the batch has never closed."""
    if loan.closed_through is not None:
        return loan.closed_through + timedelta(days=1)
    return today or datetime.now(UTC).date()


def check_writable_off(loan: Loan) -> None:
    """INVALID_STATE unless the loan may be written off now (pure)."""
    if not can_move(loan, LoanEvent.WRITE_OFF):
        raise InvalidState(f"a loan that is {loan.status} cannot be written off")


def write_off_lines(loan: Loan) -> list[Line]:
    """The WRITE_OFF entry for the loan's balances as they stand (pure)."""
    p, i = loan.principal_outstanding, loan.interest_outstanding
    n, f = loan.penalty_outstanding, loan.fee_outstanding
    total = p + i + n + f
    return [
        dr(Account.LOAN_LOSS_ALLOWANCE, p), cr(Account.LOAN_PRINCIPAL, p),
        dr(Account.INTEREST_INCOME, i), cr(Account.INTEREST_RECEIVABLE, i),
        dr(Account.PENALTY_INCOME, n), cr(Account.PENALTY_RECEIVABLE, n),
        dr(Account.FEE_INCOME, f), cr(Account.FEE_RECEIVABLE, f),
        dr(Account.WRITTEN_OFF_CLAIMS, total), cr(Account.WRITTEN_OFF_CONTRA, total),
    ]  # fmt: skip


async def write_off_now(
    loan: Loan, *, actor: str, reason: str, on: date, conn: BaseDBAsyncClient
) -> dict[str, Any]:
    """Write the loan (locked by the caller) off in `conn`; what was written off, as JSON."""
    from domain.loanbook.provisions import allowances, provision_lines

    check_writable_off(loan)
    held = (await allowances([loan.id], conn=conn))[loan.id]
    topped = provision_lines(held, loan.principal_outstanding)
    if topped:
        await post(kind="PROVISION", lines=topped, business_date=on, actor=actor, conn=conn,
                   loan=loan, memo=f"allowance {held} -> {loan.principal_outstanding} to write off",
                   key=f"write-off-provision:{loan.id}")  # fmt: skip
    written: dict[str, object] = {
        "principal": str(loan.principal_outstanding),
        "interest": str(loan.interest_outstanding),
        "penalty": str(loan.penalty_outstanding),
        "fees": str(loan.fee_outstanding),
        "total": str(loan.outstanding),
    }
    entry = await post(kind="WRITE_OFF", lines=write_off_lines(loan), business_date=on,
                       actor=actor, conn=conn, loan=loan, memo=f"write-off: {reason}",
                       key=f"write-off:{loan.id}")  # fmt: skip
    await move(loan, LoanEvent.WRITE_OFF, actor=actor, conn=conn, business_date=on,
               reason=reason, data=written)  # fmt: skip
    loan.classification = Classification.LOSS.value
    loan.classification_reason = "written off"
    await (
        Loan.filter(id=loan.id)
        .using_db(conn)
        .update(
            classification=loan.classification, classification_reason=loan.classification_reason
        )
    )
    return {**written, "journal_entry_id": entry.id if entry else None}


async def record_recovery(
    *,
    principal: Principal,
    loan_id: int,
    amount: Decimal | str,
    received_at: datetime,
    business_date: date | None = None,
) -> Repayment:
    """Book money recovered on a written-off loan (staff or a payment feed): income, and the
    claim kept in memo reduced. INVALID_INPUT beyond the claim left."""
    if principal.role not in RECOVERY_ROLES:
        raise Forbidden("recoveries are recorded by a loan officer, a risk manager or a feed")
    money = parse_amount(amount, field="amount")
    if received_at.tzinfo is None:
        raise InvalidInput("received_at must carry a time zone", field="receivedAt")
    actor = f"user:{principal.email}"
    async with in_transaction() as conn:
        loan = await Loan.filter(id=loan_id).using_db(conn).select_for_update().first()
        if loan is None:
            raise NotFound("no such loan", field="loanId")
        # a loan the guarantor settled keeps the bank's written-off share to recover
        recoverable = loan.status == LoanStatus.WRITTEN_OFF or (
            loan.status == LoanStatus.SETTLED_BY_GUARANTOR and loan.written_off_outstanding > 0
        )
        if not recoverable:
            raise InvalidState(f"a loan that is {loan.status} takes repayments, not recoveries")
        if money > loan.written_off_outstanding:
            raise InvalidInput(
                f"amount exceeds the written-off claim left ({loan.written_off_outstanding}) "
                f"by {money - loan.written_off_outstanding}",
                field="amount",
            )
        on = business_date or book_date(loan)
        entry = await post(kind="RECOVERY", lines=recovery_lines(money), business_date=on,
                           actor=actor, conn=conn, loan=loan, memo="recovery after write-off")  # fmt: skip
        repayment = await Repayment.create(
            loan_id=loan.id, kind="RECOVERY", amount=money, received_at=received_at,
            business_date=on, recorded_by=actor, allocation={"recovery": str(money)},
            journal_entry_id=entry.id if entry else None, using_db=conn,
        )  # fmt: skip
        await audit.record(actor=actor, action="loan.recovery", entity_type="loan",
                           entity_id=loan.id, connection=conn,
                           data={"repayment_id": repayment.id, "amount": str(money),
                                 "claim_left": str(loan.written_off_outstanding)})  # fmt: skip
    return repayment


def recovery_lines(amount: Decimal) -> list[Line]:
    """A recovery's entry: the money in as income, and the memo claim reduced (pure)."""
    return [
        dr(Account.SETTLEMENT, amount), cr(Account.RECOVERY_INCOME, amount),
        dr(Account.WRITTEN_OFF_CONTRA, amount), cr(Account.WRITTEN_OFF_CLAIMS, amount),
    ]  # fmt: skip


async def reverse_recovery_now(
    repayment: Repayment, loan: Loan, *, actor: str, reason: str, conn: BaseDBAsyncClient
) -> Repayment:
    """Undo a recovery (a bounced transfer) in `conn`: the mirror of its entry, and the
    repayment marked reversed. INVALID_STATE when already reversed."""
    if repayment.reversed_at is not None:
        raise InvalidState("this recovery was reversed already")
    lines = [
        Line(Account(line.account), debit=line.credit, credit=line.debit)
        for line in await JournalLine.filter(entry_id=repayment.journal_entry_id).using_db(conn)
    ]
    original = repayment.journal_entry_id
    if original is None:
        raise InvalidState("this recovery has no journal entry to reverse")
    await post(kind="REVERSAL", lines=lines, business_date=book_date(loan), actor=actor,
               conn=conn, loan=loan, memo=f"reversal of recovery {repayment.id}: {reason}",
               key=f"reversal:{original}", reverses_id=original)  # fmt: skip
    repayment.reversed_at = datetime.now(UTC)
    repayment.reversed_by = actor
    repayment.reversal_reason = reason
    await repayment.save(using_db=conn,
                         update_fields=["reversed_at", "reversed_by", "reversal_reason"])  # fmt: skip
    return repayment


__all__ = [
    "RECOVERY_ROLES",
    "book_date",
    "check_writable_off",
    "record_recovery",
    "recovery_lines",
    "reverse_recovery_now",
    "write_off_lines",
    "write_off_now",
]
