"""Money in: repayments allocated in the product's order, credit balances, reversals.

A repayment on business date t pays what is owed now (fees, penalty, installments due on or
before t) and the current installment, in the product's order (`domain.loanbook.allocation`).
Money beyond that is refused or held as a credit balance (product `overpayment`). Each repayment
is one REPAYMENT entry, Dr SETTLEMENT, Cr the receivables it paid, in the same transaction as the
installments it paid; a reversal (a bounced transfer, after maker-checker) posts the mirror
entry and restores the installments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import Installment, JournalLine, Loan, Repayment, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound
from domain.loanbook.accounts import Account
from domain.loanbook.allocation import (
    ZERO,
    Allocation,
    InstallmentPayment,
    allocate,
    owed_on,
)
from domain.loanbook.ledger import Line, cr, dr, post
from domain.loanbook.schedules import current_installments
from domain.loanbook.status import LIVE, LoanEvent, LoanStatus, move
from domain.loanbook.terms import Overpayment, terms_for_loan
from domain.money import parse_amount

# repayments are recorded by staff who move money or by a payment feed; an administrator
# manages accounts and does not book money (separation of duties)
PAYMENT_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.SERVICE})


@dataclass(frozen=True)
class RepaymentResult:
    """The stored repayment, its split by bucket and by installment, and the loan after it."""

    repayment: Repayment
    allocation: Allocation
    installments: tuple[InstallmentPayment, ...]
    loan: Loan


def require_payment_role(principal: Principal) -> None:
    """Only bank staff who move money or a payment feed record repayments."""
    if principal.role not in PAYMENT_ROLES:
        raise Forbidden("repayments are recorded by loan officers, risk managers or a payment feed")


def business_date_of(received_at: datetime) -> date:
    """The business date money received at `received_at` is booked on (its UTC date)."""
    return received_at.astimezone(UTC).date()


async def lock_live_loan(loan_id: int, *, conn: BaseDBAsyncClient) -> Loan:
    """The loan, locked for this transaction; NOT_FOUND, or INVALID_STATE unless it is live."""
    loan = await Loan.filter(id=loan_id).using_db(conn).select_for_update().first()
    if loan is None:
        raise NotFound("no such loan", field="loanId")
    if LoanStatus(loan.status) not in LIVE:
        raise InvalidState(f"the loan is {loan.status}: it takes no repayments")
    return loan


def payment_lines(
    allocation: Allocation, *, cash: Decimal, from_credit: Decimal = ZERO
) -> list[Line]:
    """Dr SETTLEMENT (and CUSTOMER_CREDIT for credit used), Cr what the payment paid."""
    return [
        dr(Account.SETTLEMENT, cash),
        dr(Account.CUSTOMER_CREDIT, from_credit),
        cr(Account.FEE_RECEIVABLE, allocation.fees),
        cr(Account.PENALTY_RECEIVABLE, allocation.penalty),
        cr(Account.INTEREST_RECEIVABLE, allocation.interest),
        cr(Account.LOAN_PRINCIPAL, allocation.principal),
        cr(Account.CUSTOMER_CREDIT, allocation.credit),
    ]


async def recognise_interest(
    loan: Loan,
    rows: Sequence[Installment],
    numbers: Sequence[int],
    *,
    day: date,
    conn: BaseDBAsyncClient,
    actor: str,
) -> None:
    """Before interest of installments `numbers` is paid, accrue whatever of their scheduled
    interest daily accrual has not recognised yet (key accrual-rest:loan:version:number), so
    the receivable never goes negative and the batch accrues nothing more for them."""
    by_number = {r.number: r for r in rows}
    for number in numbers:
        row = by_number[number]
        rest = row.interest - row.accrued_interest
        if rest <= 0:
            continue
        await post(
            kind="ACCRUAL",
            lines=[dr(Account.INTEREST_RECEIVABLE, rest), cr(Account.INTEREST_INCOME, rest)],
            business_date=day,
            actor=actor,
            conn=conn,
            loan=loan,
            memo=f"interest of installment {number} recognised on payment",
            key=f"accrual-rest:{loan.id}:{row.version}:{number}",
        )
        row.accrued_interest = row.interest
        await row.save(using_db=conn, update_fields=["accrued_interest"])


async def pay_installments(
    rows: Sequence[Installment],
    parts: Sequence[InstallmentPayment],
    *,
    paid_at: datetime,
    conn: BaseDBAsyncClient,
    sign: int = 1,
) -> None:
    """Add (or, with sign -1, take back) each part on its installment; stamp the fully paid."""
    by_number = {r.number: r for r in rows}
    for part in parts:
        row = by_number[part.number]
        row.paid_interest += sign * part.interest
        row.paid_principal += sign * part.principal
        paid = row.paid_interest == row.interest and row.paid_principal == row.principal
        row.paid_at = (row.paid_at or paid_at) if paid else None
        await row.save(using_db=conn, update_fields=["paid_interest", "paid_principal", "paid_at"])


def days_past_due(rows: Sequence[Installment], day: date) -> int:
    """Days past due during business date `day`, before it is closed: the oldest installment
    still unpaid with due_on < day is (day - due_on) days late (pure)."""
    late = [r.due_on for r in rows if r.paid_at is None and r.due_on < day]
    return (day - min(late)).days if late else 0


async def refresh_arrears(
    loan: Loan, rows: Sequence[Installment], *, day: date, conn: BaseDBAsyncClient, actor: str
) -> None:
    """After money moved: an overdue loan with nothing late any more catches up; a loan with
    something late again (a reversal) falls overdue. Days past due follow."""
    dpd = days_past_due(rows, day)
    status = LoanStatus(loan.status)
    if dpd == 0 and status is LoanStatus.OVERDUE:
        await move(loan, LoanEvent.CATCH_UP, actor=actor, conn=conn, business_date=day)
    elif dpd > 0 and status in (LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED):
        await move(loan, LoanEvent.FALL_OVERDUE, actor=actor, conn=conn, business_date=day)
    if loan.days_past_due != dpd:
        loan.days_past_due = dpd
        await Loan.filter(id=loan.id).using_db(conn).update(days_past_due=dpd)


async def close_if_paid(
    loan: Loan, rows: Sequence[Installment], *, day: date, conn: BaseDBAsyncClient, actor: str
) -> bool:
    """Close the loan once every installment and charge is paid (its pledges stay registered
    until staff release them with the patent office: `releasePledge`)."""
    if loan.outstanding != 0 or any(r.paid_at is None for r in rows):
        return False
    await move(loan, LoanEvent.CLOSE, actor=actor, conn=conn, business_date=day, reason="paid")
    # the batch no longer sees a closed loan: release what its allowance still holds now
    from domain.loanbook.provisions import adjust_allowance

    await adjust_allowance(
        loan, business_date=day, actor=actor, conn=conn, key=f"provision-close:{loan.id}"
    )
    return True


async def record_repayment(
    *,
    principal: Principal,
    loan_id: int,
    amount: Decimal | str,
    received_at: datetime,
    business_date: date | None = None,
) -> RepaymentResult:
    """Record money received against a loan and allocate it in the product's order (staff or a
    payment feed). Money beyond what is owed now and the current installment is refused
    (INVALID_INPUT naming the excess) or kept as a credit balance, per product."""
    require_payment_role(principal)
    money = parse_amount(amount, field="amount")
    if received_at.tzinfo is None:
        raise InvalidInput("received_at must carry a time zone", field="receivedAt")
    day = business_date or business_date_of(received_at)
    actor = f"user:{principal.email}"
    async with in_transaction() as conn:
        loan = await lock_live_loan(loan_id, conn=conn)
        terms = await terms_for_loan(loan, conn=conn)
        rows = await current_installments(loan.id, conn, version=loan.schedule_version)
        allocation, parts, left = allocate(owed_on(loan, rows, day), money, terms.allocation_order)
        if left > 0:
            if terms.overpayment is Overpayment.REFUSE:
                raise InvalidInput(
                    f"amount exceeds what is due and the current installment by {left}",
                    field="amount",
                )
            allocation = replace(allocation, credit=left)
        repayment = await _book(
            loan, rows, allocation, parts, kind="REPAYMENT", cash=money, from_credit=ZERO,
            received_at=received_at, day=day, actor=actor, conn=conn,
        )  # fmt: skip
        if not await close_if_paid(loan, rows, day=day, conn=conn, actor=actor):
            await refresh_arrears(loan, rows, day=day, conn=conn, actor=actor)
        await _audit(loan, repayment, allocation, actor=actor, conn=conn)
    return RepaymentResult(repayment, allocation, parts, loan)


async def _book(
    loan: Loan,
    rows: Sequence[Installment],
    allocation: Allocation,
    parts: Sequence[InstallmentPayment],
    *,
    kind: str,
    cash: Decimal,
    from_credit: Decimal,
    received_at: datetime,
    day: date,
    actor: str,
    conn: BaseDBAsyncClient,
) -> Repayment:
    """Recognise the interest being paid, post the payment, pay the installments, store it."""
    await recognise_interest(
        loan, rows, [p.number for p in parts if p.interest > 0], day=day, conn=conn, actor=actor
    )
    entry = await post(
        kind=kind,
        lines=payment_lines(allocation, cash=cash, from_credit=from_credit),
        business_date=day,
        actor=actor,
        conn=conn,
        loan=loan,
        memo=f"{kind.lower()} received {received_at.isoformat()}",
    )
    await pay_installments(rows, parts, paid_at=received_at, conn=conn)
    version = rows[0].version if rows else loan.schedule_version
    return await Repayment.create(
        loan_id=loan.id,
        kind=kind,
        amount=cash + from_credit,
        received_at=received_at,
        business_date=day,
        recorded_by=actor,
        allocation={
            **allocation.as_json(),
            "from_credit": str(from_credit),
            "version": version,
            "installments": [
                {"number": p.number, "interest": str(p.interest), "principal": str(p.principal)}
                for p in parts
            ],
        },
        journal_entry_id=entry.id if entry else None,
        using_db=conn,
    )


async def _audit(
    loan: Loan, repayment: Repayment, allocation: Allocation, *, actor: str, conn: BaseDBAsyncClient
) -> None:
    await audit.record(
        actor=actor,
        action="loan.repayment"
        if repayment.kind == "REPAYMENT"
        else f"loan.{repayment.kind.lower()}",
        entity_type="loan",
        entity_id=loan.id,
        data={
            "repayment_id": repayment.id,
            "amount": str(repayment.amount),
            "allocation": allocation.as_json(),
            "outstanding": str(loan.outstanding),
            "status": loan.status,
        },
        connection=conn,
    )


async def apply_credit(
    loan: Loan, *, business_date: date, conn: BaseDBAsyncClient
) -> Repayment | None:
    """Use the loan's credit balance for what is owed now (not the current installment), in the
    product's order: Dr CUSTOMER_CREDIT, Cr the receivables. The caller holds the loan's lock
    (the end-of-day batch, step 3). May CLOSE the loan when that pays everything: check
    `loan.status` afterwards. None when there was nothing to apply."""
    if loan.credit_balance <= 0 or LoanStatus(loan.status) not in LIVE:
        return None
    terms = await terms_for_loan(loan, conn=conn)
    rows = await current_installments(loan.id, conn, version=loan.schedule_version)
    allocation, parts, _left = allocate(
        owed_on(loan, rows, business_date),
        loan.credit_balance,
        terms.allocation_order,
        include_current=False,
    )
    if allocation.total <= 0:
        return None
    actor = "system:end-of-day"
    when = datetime.now(UTC)
    repayment = await _book(
        loan, rows, allocation, parts, kind="CREDIT", cash=ZERO, from_credit=allocation.total,
        received_at=when, day=business_date, actor=actor, conn=conn,
    )  # fmt: skip
    await close_if_paid(loan, rows, day=business_date, conn=conn, actor=actor)
    return repayment


async def reverse_repayment_now(
    *, repayment_id: int, actor: str, reason: str, conn: BaseDBAsyncClient
) -> Repayment:
    """Undo a repayment (a bounced transfer), in the caller's transaction (maker-checker
    approval): the mirror entry (kind REVERSAL), the installments' payments restored, the
    repayment marked reversed. INVALID_STATE when it was reversed already, is not a plain
    repayment, the schedule changed since, the loan is no longer live, or its credit is spent."""
    found = await Repayment.filter(id=repayment_id).using_db(conn).first()
    if found is None:
        raise NotFound("no such repayment", field="repaymentId")
    loan = await lock_live_loan(found.loan_id, conn=conn)  # type: ignore[attr-defined]
    repayment = await Repayment.filter(id=repayment_id).using_db(conn).select_for_update().get()
    _check_reversible(loan, repayment)
    allocation = Allocation.from_json(repayment.allocation)
    if allocation.credit > loan.credit_balance:
        raise InvalidState(
            "the credit this repayment left has been used since; it cannot be reversed"
        )
    day = datetime.now(UTC).date()
    lines = await JournalLine.filter(entry_id=repayment.journal_entry_id).using_db(conn)
    await post(
        kind="REVERSAL",
        lines=[Line(Account(li.account), debit=li.credit, credit=li.debit) for li in lines],
        business_date=day,
        actor=actor,
        conn=conn,
        loan=loan,
        memo=f"reversal of repayment {repayment.id}: {reason}",
        key=f"reversal:{repayment.journal_entry_id}",
        reverses_id=repayment.journal_entry_id,
    )
    rows = await current_installments(loan.id, conn, version=loan.schedule_version)
    parts = [
        InstallmentPayment(int(p["number"]), Decimal(p["interest"]), Decimal(p["principal"]))
        for p in repayment.allocation.get("installments", [])
    ]
    await pay_installments(rows, parts, paid_at=datetime.now(UTC), conn=conn, sign=-1)
    repayment.reversed_at = datetime.now(UTC)
    repayment.reversed_by = actor
    repayment.reversal_reason = reason
    await repayment.save(
        using_db=conn, update_fields=["reversed_at", "reversed_by", "reversal_reason"]
    )
    await refresh_arrears(loan, rows, day=day, conn=conn, actor=actor)
    await audit.record(
        actor=actor, action="loan.repayment_reversed", entity_type="loan", entity_id=loan.id,
        data={"repayment_id": repayment.id, "amount": str(repayment.amount), "reason": reason},
        connection=conn,
    )  # fmt: skip
    return repayment


def _check_reversible(loan: Loan, repayment: Repayment) -> None:
    if repayment.reversed_at is not None:
        raise InvalidState("this repayment was reversed already")
    if repayment.kind != "REPAYMENT" or repayment.journal_entry_id is None:
        raise InvalidState(f"a {repayment.kind.lower()} cannot be reversed here")
    if repayment.allocation.get("version", 1) != loan.schedule_version:
        raise InvalidState(
            "the loan's schedule changed since this repayment; it cannot be reversed"
        )


__all__ = ["PAYMENT_ROLES", "RepaymentResult", "apply_credit", "business_date_of", "close_if_paid",
           "days_past_due", "lock_live_loan", "payment_lines", "record_repayment",
           "recognise_interest", "refresh_arrears", "require_payment_role",
           "reverse_repayment_now"]  # fmt: skip
