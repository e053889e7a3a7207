"""Restructuring (展期 / 重组): a new schedule version for the principal still owed.

What a restructure does, on the business date it is approved:

- the principal outstanding (overdue parts included) is re-amortised from that date over the new
  term, at the contract rate or a new one, as schedule version n+1 (the old rows are kept);
- interest already recognised and unpaid (the interest receivable) is carried into the new
  first installment, as interest already accrued, so the borrower still owes it and the daily
  accrual never books it twice; interest of the old schedule not yet recognised is dropped;
- penalty and fees stay owed on the loan as they are (they are paid first by allocation);
- the loan moves to RESTRUCTURED, is marked restructured for good, and its classification is at
  least SUBSTANDARD (次级) from then on, with the allowance brought to the tier's rate.

No money moves, so nothing is posted but the provision that follows the classification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from db.models import Installment, Loan
from domain.errors import InvalidInput, InvalidState
from domain.loanbook.amortisation import ZERO, ScheduledInstallment, build_schedule
from domain.loanbook.classification import Classification, classify_loan, rank
from domain.loanbook.status import LoanEvent, can_move, move
from domain.money import parse_rate

MAX_EXTRA_MONTHS = 120
MAX_TERM_MONTHS = 360


@dataclass(frozen=True)
class RestructureTerms:
    """A restructure as requested: more months, a new term, and/or a new annual rate."""

    extra_months: int | None
    new_term_months: int | None
    annual_rate: Decimal | None

    def payload(self) -> dict[str, Any]:
        """The terms as JSON for the change request."""
        return {
            "extra_months": self.extra_months,
            "new_term_months": self.new_term_months,
            "annual_rate": None if self.annual_rate is None else str(self.annual_rate),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> RestructureTerms:
        """The terms back from a change request's JSON."""
        rate = data.get("annual_rate")
        return cls(data.get("extra_months"), data.get("new_term_months"),
                   None if rate is None else Decimal(rate))  # fmt: skip


def parse_terms(
    extra_months: int | None, new_term_months: int | None, annual_rate: Decimal | str | None
) -> RestructureTerms:
    """Validated terms: at most one of `extra_months` and `new_term_months`, and something to
    change; INVALID_INPUT naming the field otherwise (pure)."""
    if extra_months is not None and new_term_months is not None:
        raise InvalidInput("give extra months or a new term, not both", field="extraMonths")
    if extra_months is None and new_term_months is None and annual_rate is None:
        raise InvalidInput("a restructure needs extra months, a new term or a new rate",
                           field="extraMonths")  # fmt: skip
    if extra_months is not None and not 1 <= extra_months <= MAX_EXTRA_MONTHS:
        raise InvalidInput(f"extra months must be 1 to {MAX_EXTRA_MONTHS}", field="extraMonths")
    if new_term_months is not None and not 1 <= new_term_months <= MAX_TERM_MONTHS:
        raise InvalidInput(f"the new term must be 1 to {MAX_TERM_MONTHS} months",
                           field="newTermMonths")  # fmt: skip
    rate = None if annual_rate is None else parse_rate(annual_rate, field="annualRate")
    return RestructureTerms(extra_months, new_term_months, rate)


def check_restructurable(loan: Loan) -> None:
    """INVALID_STATE unless the loan is live and still owes principal (pure)."""
    if not can_move(loan, LoanEvent.RESTRUCTURE):
        raise InvalidState(f"a loan that is {loan.status} cannot be restructured")
    if loan.principal_outstanding <= 0:
        raise InvalidState("the loan owes no principal: nothing to restructure")


def new_term(terms: RestructureTerms, months_left: int) -> int:
    """The new schedule's number of months: the explicit term, or the months the current
    schedule still has (installments not yet due) plus the extension (pure)."""
    if terms.new_term_months is not None:
        return terms.new_term_months
    term = months_left + (terms.extra_months or 0)
    if term < 1:
        raise InvalidInput("the schedule has run out: give a new term", field="newTermMonths")
    return term


def new_rows(
    loan: Loan, terms: RestructureTerms, *, months_left: int, on: date
) -> list[ScheduledInstallment]:
    """The new schedule from `on` for the principal outstanding (pure)."""
    return build_schedule(
        loan.repayment_method,
        principal=loan.principal_outstanding,
        annual_rate=terms.annual_rate if terms.annual_rate is not None else loan.annual_rate,
        term_months=new_term(terms, months_left),
        start=on,
    )


async def restructure_now(
    loan: Loan,
    terms: RestructureTerms,
    *,
    actor: str,
    reason: str,
    on: date,
    conn: BaseDBAsyncClient,
) -> dict[str, Any]:
    """Apply an approved restructure to the loan (locked by the caller) in `conn`; what was
    done, as JSON for the change's result."""
    from domain.loanbook.provisions import adjust_allowance
    from domain.loanbook.schedules import replace_schedule

    check_restructurable(loan)
    months_left = (
        await Installment.filter(loan_id=loan.id, version=loan.schedule_version, due_on__gt=on)
        .using_db(conn)
        .count()
    )
    rows = new_rows(loan, terms, months_left=months_left, on=on)
    if terms.annual_rate is not None and terms.annual_rate != loan.annual_rate:
        loan.annual_rate = terms.annual_rate
        await Loan.filter(id=loan.id).using_db(conn).update(annual_rate=terms.annual_rate)
    version = await replace_schedule(loan, rows, conn=conn, reason=reason, starts_on=on,
                                     actor=actor)  # fmt: skip
    carried = loan.interest_outstanding
    if carried > ZERO:
        await (
            Installment.filter(loan_id=loan.id, version=version, number=1)
            .using_db(conn)
            .update(
                interest=F("interest") + carried, accrued_interest=F("accrued_interest") + carried
            )
        )
    await move(loan, LoanEvent.RESTRUCTURE, actor=actor, conn=conn, business_date=on,
               reason=reason, data={"version": version})  # fmt: skip
    await _reclassify(loan, conn)
    await adjust_allowance(loan, business_date=on, actor=actor, conn=conn)
    return {
        "version": version,
        "installments": len(rows),
        "principal": str(loan.principal_outstanding),
        "annual_rate": str(loan.annual_rate),
        "interest_carried": str(carried),
        "first_due_on": rows[0].due_on.isoformat(),
        "last_due_on": rows[-1].due_on.isoformat(),
    }


async def _reclassify(loan: Loan, conn: BaseDBAsyncClient) -> None:
    """The loan's tier now that it is restructured: at least SUBSTANDARD, and a worse tier it
    had is held (as a downgrade the batch keeps) rather than improved by the new schedule, on
    which nothing is past due yet."""
    before = loan.classification
    loan.days_past_due = 0
    loan.restructured = True
    if rank(before) > rank(Classification.SUBSTANDARD) and (
        loan.manual_classification is None or rank(before) > rank(loan.manual_classification)
    ):
        loan.manual_classification = before
        loan.manual_classification_reason = f"{before} when restructured; not improved by it"
    tier, why = classify_loan(loan)
    loan.classification = tier.value
    loan.classification_reason = why[:300]
    await (
        Loan.filter(id=loan.id)
        .using_db(conn)
        .update(
            days_past_due=0,
            classification=tier.value,
            classification_reason=loan.classification_reason,
            manual_classification=loan.manual_classification,
            manual_classification_reason=loan.manual_classification_reason,
        )
    )


__all__ = [
    "RestructureTerms",
    "check_restructurable",
    "new_rows",
    "new_term",
    "parse_terms",
    "restructure_now",
]
