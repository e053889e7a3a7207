"""Repayment schedules: equal installments, equal principal, monthly interest with a bullet.

(Imported as `domain.lending.schedule` too; it lives here so the loan book, which lending
depends on, needs nothing from lending.)

Everything is Decimal, rounded half-up to the fen. Each installment's interest is the opening
balance times the monthly rate (annual / 12), rounded; the last installment takes whatever
principal is left, so the principals always sum to the amount lent exactly.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from domain.products.repayment import RepaymentMethod

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ScheduledInstallment:
    """One row of a schedule."""

    number: int
    due_on: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        """Principal plus interest due."""
        return self.principal + self.interest


def fen(value: Decimal) -> Decimal:
    """Round half-up to 0.01."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def monthly_rate(annual_rate: Decimal) -> Decimal:
    """The monthly rate used for interest: the annual rate divided by 12, unrounded."""
    with localcontext() as ctx:
        ctx.prec = 34
        return annual_rate / 12


def equal_installment_payment(
    principal: Decimal, annual_rate: Decimal, term_months: int
) -> Decimal:
    """The level monthly payment P·r·(1+r)^n / ((1+r)^n − 1), rounded to the fen."""
    _check(principal, annual_rate, term_months)
    r = monthly_rate(annual_rate)
    if r == 0:
        return fen(principal / term_months)
    with localcontext() as ctx:
        ctx.prec = 34
        growth = (1 + r) ** term_months
        return fen(principal * r * growth / (growth - 1))


def build_schedule(
    method: RepaymentMethod | str,
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    start: date,
) -> list[ScheduledInstallment]:
    """The installments of a loan lent on `start`, the first due one month later."""
    _check(principal, annual_rate, term_months)
    method = RepaymentMethod(method)
    r = monthly_rate(annual_rate)
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        payment = equal_installment_payment(principal, annual_rate, term_months)
        return _amortise(principal, r, term_months, start, lambda interest: payment - interest)
    if method is RepaymentMethod.EQUAL_PRINCIPAL:
        part = fen(principal / term_months)
        return _amortise(principal, r, term_months, start, lambda _interest: part)
    return _amortise(principal, r, term_months, start, lambda _interest: ZERO)


def schedule_totals(schedule: list[ScheduledInstallment]) -> tuple[Decimal, Decimal]:
    """Total principal and total interest of a schedule."""
    return (
        sum((i.principal for i in schedule), ZERO),
        sum((i.interest for i in schedule), ZERO),
    )


def _amortise(
    principal: Decimal,
    r: Decimal,
    term_months: int,
    start: date,
    principal_part: Callable[[Decimal], Decimal],
) -> list[ScheduledInstallment]:
    balance = fen(principal)
    rows: list[ScheduledInstallment] = []
    for number in range(1, term_months + 1):
        interest = fen(balance * r)
        if number == term_months:
            part = balance
        else:
            # never repay more than is owed, nor a negative amount, whatever the rounding did
            part = min(max(principal_part(interest), ZERO), balance)
        rows.append(ScheduledInstallment(number, add_months(start, number), part, interest))
        balance -= part
    return rows


def _check(principal: Decimal, annual_rate: Decimal, term_months: int) -> None:
    if not isinstance(principal, Decimal) or not isinstance(annual_rate, Decimal):
        raise TypeError("principal and annual_rate must be Decimal")
    if principal <= 0:
        raise ValueError("principal must be positive")
    if annual_rate < 0:
        raise ValueError("annual_rate must not be negative")
    if term_months < 1:
        raise ValueError("term_months must be at least 1")


__all__ = [
    "FEN",
    "ZERO",
    "ScheduledInstallment",
    "add_months",
    "build_schedule",
    "equal_installment_payment",
    "fen",
    "monthly_rate",
    "schedule_totals",
]
