"""Prepayment: what it takes to pay a loan off on a date, and paying it off in full or in part.

Interest is charged to the actual day: the current installment's interest over [starts_on, t)
(what daily accrual recognised, plus the days not closed yet at the daily rate; interest already
recognised is never given back). Everything owed on t (fees, penalty, due installments) is paid
first. The product may charge a fee on the principal prepaid (`prepayment_fee_rate`).

A prepayment writes a new schedule version (the old one is kept): the installments due by t as
they are, the current installment settled on t (its principal paid so far plus the principal
prepaid, its interest to date), and for a partial prepayment the remaining principal spread over
the old due dates — the same dates at a lower installment (LOWER_INSTALLMENT), or the same
installment over fewer dates (SHORTEN_TERM). The first new period runs from t to the old due
date, its interest by the day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import Installment, Loan, Repayment, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound
from domain.loanbook.accounts import Account
from domain.loanbook.allocation import ZERO, Allocation, InstallmentPayment
from domain.loanbook.amortisation import FEN
from domain.loanbook.interest import daily
from domain.loanbook.ledger import cr, dr, post
from domain.loanbook.repayments import (
    business_date_of,
    close_if_paid,
    lock_live_loan,
    pay_installments,
    payment_lines,
    recognise_interest,
    refresh_arrears,
)
from domain.loanbook.schedules import (
    Reamortisation,
    carried,
    current_installments,
    fresh_rows,
    reamortise,
    write_version,
)
from domain.loanbook.terms import Overpayment, ServicingTerms, terms_for_loan
from domain.money import parse_amount
from domain.products.repayment import RepaymentMethod

PREPAYERS = frozenset({Role.APPLICANT, Role.LOAN_OFFICER, Role.RISK_MANAGER})


class PrepaymentMode(StrEnum):
    """What a partial prepayment does to the rest of the schedule."""

    SHORTEN_TERM = "SHORTEN_TERM"  # same installment, fewer of them
    LOWER_INSTALLMENT = "LOWER_INSTALLMENT"  # same dates, smaller installments


@dataclass(frozen=True)
class PayoffQuote:
    """What paying the loan off on `on` takes. `total` = principal + interest + penalty + fees
    - the credit balance held (never below zero)."""

    on: date
    principal: Decimal  # all principal not repaid (due or not)
    interest: Decimal  # due and unpaid, plus the current installment's to date
    penalty: Decimal  # penalty and compound interest booked and unpaid
    fees: Decimal  # fees booked and unpaid plus the prepayment fee
    credit: Decimal  # the credit balance held, used first
    total: Decimal
    prepayment_fee: Decimal
    # the parts behind the figures
    due_interest: Decimal = ZERO
    due_principal: Decimal = ZERO
    current_interest: Decimal = ZERO  # interest to date of the current installment, unpaid
    interest_to_date: Decimal = ZERO  # the current installment's interest over [starts_on, on)
    not_due_principal: Decimal = ZERO  # principal of installments due after `on`

    @property
    def owed_first(self) -> Decimal:
        """What a partial prepayment pays before any principal not yet due."""
        return (
            self.due_interest
            + self.due_principal
            + self.penalty
            + self.current_interest
            + (self.fees - self.prepayment_fee)
        )


@dataclass(frozen=True)
class PrepaymentResult:
    """The prepayment stored, how it was split, the quote it was made against, the schedule
    version in force after it, and the loan (CLOSED when paid off)."""

    repayment: Repayment
    allocation: Allocation
    quote: PayoffQuote
    full: bool
    schedule_version: int
    loan: Loan


def _current(rows: Sequence[Installment], on: date) -> Installment | None:
    return next((r for r in sorted(rows, key=lambda r: r.number) if r.due_on > on), None)


def interest_to_date(
    current: Installment, rows: Sequence[Installment], on: date, loan: Loan
) -> Decimal:
    """The current installment's interest over [starts_on, on): what accrual recognised, plus
    the days after the last closed business day at the daily rate on the principal not yet due,
    capped at its scheduled interest (pure)."""
    start = current.starts_on or on
    first_open = start
    if loan.closed_through is not None:
        first_open = max(start, loan.closed_through + timedelta(days=1))
    days = (on - first_open).days
    if days <= 0:
        return current.accrued_interest
    base = sum((r.principal - r.paid_principal for r in rows if r.due_on > on), ZERO)
    more = min(daily(loan.annual_rate, base) * days, current.interest - current.accrued_interest)
    return current.accrued_interest + max(more, ZERO)


def quote_for(
    loan: Loan, rows: Sequence[Installment], terms: ServicingTerms, on: date
) -> PayoffQuote:
    """The payoff on `on` from the loan's balances and installments in force (pure)."""
    due = [r for r in rows if r.due_on <= on]
    due_interest = sum((r.interest - r.paid_interest for r in due), ZERO)
    due_principal = sum((r.principal - r.paid_principal for r in due), ZERO)
    current = _current(rows, on)
    to_date = interest_to_date(current, rows, on, loan) if current else ZERO
    current_interest = to_date - current.paid_interest if current else ZERO
    not_due = sum((r.principal - r.paid_principal for r in rows if r.due_on > on), ZERO)
    fee = _fen(not_due * terms.prepayment_fee_rate)
    gross = due_interest + current_interest + due_principal + not_due + loan.penalty_outstanding
    gross += loan.fee_outstanding + fee
    return PayoffQuote(
        on=on,
        principal=due_principal + not_due,
        interest=due_interest + current_interest,
        penalty=loan.penalty_outstanding,
        fees=loan.fee_outstanding + fee,
        credit=loan.credit_balance,
        total=max(gross - loan.credit_balance, ZERO),
        prepayment_fee=fee,
        due_interest=due_interest,
        due_principal=due_principal,
        current_interest=current_interest,
        interest_to_date=to_date,
        not_due_principal=not_due,
    )


def _fen(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Plan:
    """How money received is used (see `plan_prepayment`)."""

    full: bool
    cash: Decimal  # money received
    from_credit: Decimal  # credit balance used
    principal: Decimal  # principal not yet due that is prepaid
    fee: Decimal  # prepayment fee charged
    excess: Decimal  # kept as a credit balance


def plan_prepayment(quote: PayoffQuote, money: Decimal | None, terms: ServicingTerms) -> Plan:
    """Full when `money` is None or covers the payoff total, else partial: what is owed first,
    then principal P and its fee, P = fen(rest / (1 + fee rate)), fee = rest - P (pure;
    INVALID_INPUT when the money is too little, or too much for a product that refuses it)."""
    credit = quote.credit
    if money is None or money >= quote.total:
        gross = quote.total + credit
        from_credit = min(credit, gross)
        cash = quote.total if money is None else money
        excess = cash - quote.total
        if excess > 0 and terms.overpayment is Overpayment.REFUSE:
            raise InvalidInput(
                f"amount exceeds the payoff total {quote.total} by {excess}", field="amount"
            )
        return Plan(True, cash, from_credit, quote.not_due_principal, quote.prepayment_fee, excess)
    available = money + credit
    first = quote.owed_first
    if available <= first or quote.not_due_principal <= 0:
        raise InvalidInput(
            f"a prepayment must cover what is owed now and interest to date ({first - credit}); "
            "record a repayment for less",
            field="amount",
        )
    rest = available - first
    principal = _fen(rest / (1 + terms.prepayment_fee_rate))
    if principal >= quote.not_due_principal:
        raise InvalidInput(
            f"the amount is within a fen of the payoff total {quote.total}; pay that instead",
            field="amount",
        )
    return Plan(False, money, credit, principal, rest - principal, ZERO)


def _require_prepayer(principal: Principal, loan: Loan) -> None:
    if principal.role not in PREPAYERS:
        raise Forbidden(
            "prepayments are made by the borrower or by loan officers and risk managers"
        )
    if principal.role is Role.APPLICANT:
        principal.require_enterprise(loan.enterprise_id)  # type: ignore[attr-defined]


async def payoff_quote(*, principal: Principal, loan_id: int, on: date) -> PayoffQuote:
    """What paying the loan off on `on` would take (the borrower or staff)."""
    loan = await Loan.get_or_none(id=loan_id)
    if loan is None:
        raise NotFound("no such loan", field="loanId")
    if not principal.is_staff:
        _require_prepayer(principal, loan)
    terms = await terms_for_loan(loan)
    rows = await current_installments(loan.id, version=loan.schedule_version)
    return quote_for(loan, rows, terms, on)


async def prepay(
    *,
    principal: Principal,
    loan_id: int,
    amount: Decimal | str | None,
    mode: PrepaymentMode | str = PrepaymentMode.SHORTEN_TERM,
    received_at: datetime,
    business_date: date | None = None,
) -> PrepaymentResult:
    """Pay the loan off (amount None, or at least the payoff total) or prepay part of its
    principal, re-amortising the rest into a new schedule version per `mode`."""
    try:
        how = PrepaymentMode(mode)
    except ValueError:
        raise InvalidInput(f"unknown prepayment mode {mode!r}", field="mode") from None
    money = None if amount is None else parse_amount(amount, field="amount")
    if received_at.tzinfo is None:
        raise InvalidInput("received_at must carry a time zone", field="receivedAt")
    day = business_date or business_date_of(received_at)
    actor = f"user:{principal.email}"
    async with in_transaction() as conn:
        loan = await lock_live_loan(loan_id, conn=conn)
        _require_prepayer(principal, loan)
        terms = await terms_for_loan(loan, conn=conn)
        held = (day - loan.disbursed_at.date()).days
        if terms.prepayment_min_days is not None and held < terms.prepayment_min_days:
            raise InvalidState(
                f"this product takes prepayments {terms.prepayment_min_days} days after "
                f"disbursement at the earliest ({held} so far)"
            )
        rows = await current_installments(loan.id, conn, version=loan.schedule_version)
        quote = quote_for(loan, rows, terms, day)
        plan = plan_prepayment(quote, money, terms)
        step = _Step(loan, rows, quote, plan, how, received_at, day, actor, conn)
        return await _execute(step)


@dataclass(frozen=True)
class _Step:
    loan: Loan
    rows: Sequence[Installment]
    quote: PayoffQuote
    plan: Plan
    mode: PrepaymentMode
    received_at: datetime
    day: date
    actor: str
    conn: BaseDBAsyncClient


async def _execute(s: _Step) -> PrepaymentResult:
    q, plan, loan = s.quote, s.plan, s.loan
    allocation = Allocation(
        fees=q.fees - q.prepayment_fee + plan.fee,
        penalty=q.penalty,
        overdue_interest=q.due_interest,
        overdue_principal=q.due_principal,
        current_interest=q.current_interest,
        current_principal=plan.principal,
        credit=plan.excess,
    )
    due_parts = [
        InstallmentPayment(r.number, r.interest - r.paid_interest, r.principal - r.paid_principal)
        for r in s.rows
        if r.due_on <= s.day and (r.paid_interest < r.interest or r.paid_principal < r.principal)
    ]
    await _recognise(s, [p.number for p in due_parts if p.interest > 0])
    entry = await post(
        kind="PREPAYMENT",
        lines=payment_lines(allocation, cash=plan.cash, from_credit=plan.from_credit),
        business_date=s.day, actor=s.actor, conn=s.conn, loan=loan,
        memo=f"{'payoff' if plan.full else 'partial prepayment'} received {s.received_at.isoformat()}",
    )  # fmt: skip
    await pay_installments(s.rows, due_parts, paid_at=s.received_at, conn=s.conn)
    old_version = loan.schedule_version
    new_rows = _new_version(s)
    if new_rows:
        await write_version(
            loan, new_rows, conn=s.conn, actor=s.actor,
            reason=f"{'payoff' if plan.full else 'prepayment ' + s.mode.value} on {s.day}",
        )  # fmt: skip
    repayment = await Repayment.create(
        loan_id=loan.id, kind="PREPAYMENT", amount=plan.cash + plan.from_credit,
        received_at=s.received_at, business_date=s.day, recorded_by=s.actor,
        allocation={
            **allocation.as_json(), "from_credit": str(plan.from_credit), "version": old_version,
            "new_version": loan.schedule_version, "mode": s.mode.value, "full": plan.full,
            "installments": [{"number": p.number, "interest": str(p.interest),
                              "principal": str(p.principal)} for p in due_parts],
        },
        journal_entry_id=entry.id if entry else None, using_db=s.conn,
    )  # fmt: skip
    in_force = new_rows or list(s.rows)
    closed = await close_if_paid(loan, in_force, day=s.day, conn=s.conn, actor=s.actor)
    if not closed:
        await refresh_arrears(loan, in_force, day=s.day, conn=s.conn, actor=s.actor)
    await audit.record(
        actor=s.actor, action="loan.prepayment", entity_type="loan", entity_id=loan.id,
        data={"repayment_id": repayment.id, "amount": str(repayment.amount), "full": plan.full,
              "mode": s.mode.value, "allocation": allocation.as_json(),
              "schedule_version": loan.schedule_version},
        connection=s.conn,
    )  # fmt: skip
    return PrepaymentResult(repayment, allocation, q, plan.full, loan.schedule_version, loan)


async def _recognise(s: _Step, due_numbers: list[int]) -> None:
    """Recognise interest before it is paid: the rest of each due installment's, the current
    one's to date (key accrual-prepay:loan:version:number), and the prepayment fee (FEE)."""
    loan, q = s.loan, s.quote
    await recognise_interest(loan, s.rows, due_numbers, day=s.day, conn=s.conn, actor=s.actor)
    current = _current(s.rows, s.day)
    if current is not None and q.interest_to_date > current.accrued_interest:
        rest = q.interest_to_date - current.accrued_interest
        await post(
            kind="ACCRUAL",
            lines=[dr(Account.INTEREST_RECEIVABLE, rest), cr(Account.INTEREST_INCOME, rest)],
            business_date=s.day, actor=s.actor, conn=s.conn, loan=loan,
            memo=f"interest of installment {current.number} to {s.day} on prepayment",
            key=f"accrual-prepay:{loan.id}:{current.version}:{current.number}",
        )  # fmt: skip
    if s.plan.fee > 0:
        await post(
            kind="FEE",
            lines=[dr(Account.FEE_RECEIVABLE, s.plan.fee), cr(Account.FEE_INCOME, s.plan.fee)],
            business_date=s.day, actor=s.actor, conn=s.conn, loan=loan,
            memo=f"prepayment fee on {s.plan.principal}",
        )  # fmt: skip


def _new_version(s: _Step) -> list[Installment]:
    """The installments of the schedule after the prepayment (none when nothing is current)."""
    current = _current(s.rows, s.day)
    if current is None:
        return []
    kept = [carried(r) for r in s.rows if r.due_on <= s.day]
    settled_principal = current.paid_principal + s.plan.principal
    to_date = s.quote.interest_to_date
    settled = Installment(
        number=current.number, starts_on=current.starts_on or s.day, due_on=s.day,
        principal=settled_principal, interest=to_date, accrued_interest=to_date,
        paid_principal=settled_principal, paid_interest=to_date, paid_at=s.received_at,
    )  # fmt: skip
    remaining = s.quote.not_due_principal - s.plan.principal
    if s.plan.full or remaining <= 0:
        return [*kept, settled]
    method = RepaymentMethod(s.loan.repayment_method)
    level = current.principal + current.interest
    plan = Reamortisation(
        method=method,
        remaining=remaining,
        annual_rate=s.loan.annual_rate,
        starts_on=s.day,
        due_dates=tuple(r.due_on for r in s.rows if r.due_on > s.day),
        keep_term=s.mode is PrepaymentMode.LOWER_INSTALLMENT,
        old_payment=level if method is RepaymentMethod.EQUAL_INSTALLMENT else current.principal,
    )
    rows = reamortise(plan, first_number=current.number + 1)
    return [*kept, settled, *fresh_rows(rows, starts_on=s.day)]


__all__ = ["PayoffQuote", "Plan", "PrepaymentMode", "PrepaymentResult", "interest_to_date",
           "payoff_quote", "plan_prepayment", "prepay", "quote_for"]  # fmt: skip
