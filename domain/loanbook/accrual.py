"""Closing one loan's business day: what to post and where the loan stands afterwards.

The functions here plan (pure, in memory); `domain.loanbook.eod` writes what they plan for a
chunk of loans at once. The order of a day is fixed: regular accrual, penalty and compound
interest, the credit balance applied, days past due and status, classification, provisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from db.models import Loan
from domain.loanbook.accounts import Account
from domain.loanbook.classification import Classification, classify
from domain.loanbook.interest import (
    ZERO,
    accrual_for_day,
    daily,
    days_past_due,
    penalty_for_day,
    unpaid_principal,
)
from domain.loanbook.ledger import Posting, cr, dr
from domain.loanbook.provisions import provision_lines, target_allowance
from domain.loanbook.status import LoanEvent, LoanStatus, target_of

ACTOR = "system:end-of-day"


def disbursed_on(loan: Loan) -> date:
    """The business date the loan was paid out (its first day of interest)."""
    return loan.disbursed_at.date()


def next_day(loan: Loan) -> date:
    """The first business date the batch has not closed for the loan."""
    if loan.closed_through is None:
        return disbursed_on(loan)
    return loan.closed_through + timedelta(days=1)


@dataclass(slots=True)
class ScheduleRow:
    """What the batch reads and changes of one installment (lighter than a model row)."""

    id: int
    loan_id: int
    version: int
    number: int
    starts_on: date | None
    due_on: date
    principal: Decimal
    interest: Decimal
    accrued_interest: Decimal
    paid_principal: Decimal
    paid_interest: Decimal


SCHEDULE_FIELDS = tuple(ScheduleRow.__dataclass_fields__)


@dataclass(frozen=True)
class InterestPlan:
    """A day's interest postings for one loan, and the installment its accrual is for."""

    postings: tuple[Posting, ...]
    accrued: tuple[Posting, ScheduleRow, Decimal] | None


def plan_interest(loan: Loan, schedule: Sequence[ScheduleRow], day: date) -> InterestPlan:
    """Regular accrual (Dr INTEREST_RECEIVABLE, Cr INTEREST_INCOME) and penalty plus compound
    interest (Dr PENALTY_RECEIVABLE, Cr PENALTY_INCOME) of `day` (pure)."""
    postings: list[Posting] = []
    accrued = None
    accrual = accrual_for_day(schedule, day, loan.annual_rate, disbursed_on(loan))
    if accrual is not None:
        posting = Posting(
            kind="ACCRUAL",
            lines=(
                dr(Account.INTEREST_RECEIVABLE, accrual.amount),
                cr(Account.INTEREST_INCOME, accrual.amount),
            ),  # fmt: skip
            loan=loan,
            key=f"accrual:{loan.id}:{day.isoformat()}",
            memo=f"interest of installment {accrual.number} for {day.isoformat()}",
        )
        postings.append(posting)
        inst = next(i for i in schedule if i.number == accrual.number)
        accrued = (posting, inst, accrual.amount)
    penalty = penalty_for_day(schedule, day, loan.annual_rate, loan.penalty_surcharge)
    if penalty.total > 0:
        postings.append(
            Posting(
                kind="PENALTY",
                lines=(
                    dr(Account.PENALTY_RECEIVABLE, penalty.total),
                    cr(Account.PENALTY_INCOME, penalty.total),
                ),  # fmt: skip
                loan=loan,
                key=f"penalty:{loan.id}:{day.isoformat()}",
                memo=f"penalty {penalty.on_principal} on overdue principal, compound "
                f"{penalty.on_interest} on overdue interest, {day.isoformat()}",
            )
        )
    return InterestPlan(tuple(postings), accrued)


def principal_not_due(schedule: Sequence[ScheduleRow], day: date) -> Decimal:
    """The principal not yet due after `day` (the regular accrual's base)."""
    return sum((unpaid_principal(i) for i in schedule if i.due_on > day), ZERO)


def plan_subsidy(
    loan: Loan, schedule: Sequence[ScheduleRow], day: date, rate: Decimal
) -> Posting | None:
    """The interest subsidy a programme owes for `day` (Dr SUBSIDY_RECEIVABLE, Cr
    SUBSIDY_INTEREST_INCOME): principal not yet due times rate / 360, half-up to the fen on
    its own (pure; None when nothing is owed)."""
    amount = daily(rate, principal_not_due(schedule, day))
    if amount <= 0:
        return None
    return Posting(
        kind="SUBSIDY",
        lines=(dr(Account.SUBSIDY_RECEIVABLE, amount), cr(Account.SUBSIDY_INTEREST_INCOME, amount)),
        loan=loan,
        key=f"subsidy:{loan.id}:{day.isoformat()}",
        memo=f"interest subsidy for {day.isoformat()} at {rate}",
    )


@dataclass(frozen=True)
class Standing:
    """Where a loan stands after closing a day."""

    days_past_due: int
    event: LoanEvent | None
    status: LoanStatus
    classification: Classification
    reason: str


def plan_standing(loan: Loan, schedule: Sequence[ScheduleRow], day: date) -> Standing:
    """Days past due, the status move it calls for, and the classification (pure)."""
    dpd = days_past_due(schedule, day)
    status = LoanStatus(loan.status)
    event = None
    if dpd > 0 and status != LoanStatus.OVERDUE:
        event = LoanEvent.FALL_OVERDUE
    elif dpd == 0 and status == LoanStatus.OVERDUE:
        event = LoanEvent.CATCH_UP
    if event is not None:
        status = target_of(loan, event)
    tier, reason = classify(
        dpd,
        restructured=loan.restructured,
        written_off=status == LoanStatus.WRITTEN_OFF,
        manual=loan.manual_classification,
        manual_reason=loan.manual_classification_reason,
    )
    return Standing(dpd, event, status, tier, reason[:300])


def plan_provision(loan: Loan, tier: Classification, held: Decimal, day: date) -> Posting | None:
    """The posting that brings the allowance to the tier's rate (None when it is there)."""
    needed = target_allowance(tier, loan.principal_outstanding)
    lines = provision_lines(held, needed)
    if not lines:
        return None
    return Posting(
        kind="PROVISION",
        lines=tuple(lines),
        loan=loan,
        key=f"provision:{loan.id}:{day.isoformat()}",
        memo=f"allowance {held} -> {needed} ({tier.value})",
    )


async def close_loan_day(*, loan_id: int, business_date: date) -> int:
    """Close the loan's business days through `business_date` (catching up missed days in
    order); the number of days closed. Idempotent."""
    from domain.loanbook.eod import close_chunk

    report = await close_chunk([loan_id], business_date)
    return report.loan_days


__all__ = [
    "ACTOR",
    "SCHEDULE_FIELDS",
    "ScheduleRow",
    "InterestPlan",
    "Standing",
    "close_loan_day",
    "disbursed_on",
    "next_day",
    "plan_interest",
    "plan_provision",
    "plan_standing",
    "plan_subsidy",
    "principal_not_due",
]
