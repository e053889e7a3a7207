"""Day math for interest, penalty interest and days past due (pure: no database).

Conventions, written down once:

- daily rate = annual rate / 360; penalty rate = annual rate * (1 + surcharge), daily / 360;
- every posting is rounded half-up to the fen on its own (never a running sum of fractions);
- installment k of a schedule version earns interest over [starts_on, due_on): the first starts
  on the disbursement date, each later one on the previous installment's due date;
- the regular accrual of day d is the outstanding principal not yet due (principal minus paid
  principal of the installments due after d) times the daily rate, capped at the installment's
  interest not yet recognised; on the period's last day (due_on - 1) the remainder is posted,
  so an installment's recognised interest equals its scheduled interest to the fen;
- penalty interest (罚息) of day d: overdue principal (installments due before d) times the daily
  penalty rate; compound interest (复利): overdue interest times the same rate; each rounded;
- days past due after closing d: (d - due_on) + 1 for the oldest unpaid installment due on or
  before d, else 0 (an installment unpaid at the end of its due date is one day past due).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Protocol

DAYS_IN_YEAR = 360
FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(value: Decimal) -> Decimal:
    """Round half-up to the fen (0.01)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


class Period(Protocol):
    """What the day math reads of an installment (a model row or a plain object)."""

    number: int
    starts_on: date | None
    due_on: date
    principal: Decimal
    interest: Decimal
    accrued_interest: Decimal
    paid_principal: Decimal
    paid_interest: Decimal


def daily(annual_rate: Decimal, amount: Decimal) -> Decimal:
    """`amount` times `annual_rate` / 360, rounded half-up to the fen."""
    with localcontext() as ctx:
        ctx.prec = 34
        return fen(amount * annual_rate / DAYS_IN_YEAR)


def penalty_rate(annual_rate: Decimal, surcharge: Decimal) -> Decimal:
    """The annual penalty rate: the contract rate plus the product's surcharge on it."""
    with localcontext() as ctx:
        ctx.prec = 34
        return annual_rate * (1 + surcharge)


def starts_of(installments: Sequence[Period], disbursed_on: date) -> dict[int, date]:
    """Each installment's period start (its own `starts_on`, else the rule), by number."""
    starts: dict[int, date] = {}
    previous_due = disbursed_on
    for inst in sorted(installments, key=lambda i: i.number):
        starts[inst.number] = inst.starts_on or previous_due
        previous_due = inst.due_on
    return starts


def unpaid_principal(inst: Period) -> Decimal:
    """Principal of the installment not yet paid."""
    return inst.principal - inst.paid_principal


def unpaid_interest(inst: Period) -> Decimal:
    """Interest of the installment not yet paid."""
    return inst.interest - inst.paid_interest


def is_unpaid(inst: Period) -> bool:
    """Whether anything of the installment is still owed."""
    return unpaid_principal(inst) > 0 or unpaid_interest(inst) > 0


@dataclass(frozen=True)
class Accrual:
    """The regular interest recognised on one day for one installment."""

    number: int
    amount: Decimal


def accrual_for_day(
    installments: Sequence[Period], day: date, annual_rate: Decimal, disbursed_on: date
) -> Accrual | None:
    """The regular accrual of `day` (None when nothing accrues that day)."""
    starts = starts_of(installments, disbursed_on)
    current = next((i for i in installments if starts[i.number] <= day < i.due_on), None)
    if current is None:
        return None
    left = current.interest - current.accrued_interest
    if left <= 0:
        return None
    if (current.due_on - day).days == 1:
        return Accrual(current.number, left)  # the period's last day: the remainder
    base = sum((unpaid_principal(i) for i in installments if i.due_on > day), ZERO)
    amount = min(daily(annual_rate, base), left)
    return Accrual(current.number, amount) if amount > 0 else None


@dataclass(frozen=True)
class Penalty:
    """Penalty interest on overdue principal and compound interest on overdue interest."""

    on_principal: Decimal
    on_interest: Decimal

    @property
    def total(self) -> Decimal:
        """Both together (one posting)."""
        return self.on_principal + self.on_interest


def penalty_for_day(
    installments: Sequence[Period], day: date, annual_rate: Decimal, surcharge: Decimal
) -> Penalty:
    """The penalty and compound interest of `day` on what fell due before it."""
    overdue = [i for i in installments if i.due_on < day]
    principal = sum((unpaid_principal(i) for i in overdue), ZERO)
    interest = sum((unpaid_interest(i) for i in overdue), ZERO)
    rate = penalty_rate(annual_rate, surcharge)
    return Penalty(daily(rate, principal), daily(rate, interest))


def days_past_due(installments: Sequence[Period], day: date) -> int:
    """Days past due after closing `day` (0 when nothing due by then is unpaid)."""
    late = [i.due_on for i in installments if i.due_on <= day and is_unpaid(i)]
    return (day - min(late)).days + 1 if late else 0


def installment_days_past_due(inst: Period, day: date) -> int:
    """One installment's days past due after closing `day`."""
    if inst.due_on > day or not is_unpaid(inst):
        return 0
    return (day - inst.due_on).days + 1


__all__ = [
    "DAYS_IN_YEAR",
    "FEN",
    "ZERO",
    "fen",
    "Accrual",
    "Penalty",
    "Period",
    "accrual_for_day",
    "daily",
    "days_past_due",
    "installment_days_past_due",
    "is_unpaid",
    "penalty_for_day",
    "penalty_rate",
    "starts_of",
    "unpaid_interest",
    "unpaid_principal",
]
