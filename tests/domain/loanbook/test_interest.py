"""Day math, checked against numbers worked by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.loanbook.interest import (
    accrual_for_day,
    daily,
    days_past_due,
    penalty_for_day,
    penalty_rate,
    starts_of,
)

D = Decimal


@dataclass
class Inst:
    number: int
    starts_on: date | None
    due_on: date
    principal: Decimal
    interest: Decimal
    accrued_interest: Decimal = D("0.00")
    paid_principal: Decimal = D("0.00")
    paid_interest: Decimal = D("0.00")


def two_months() -> list[Inst]:
    """12,000.00 at 3.6 % in two halves: interest 12,000 x 0.003 = 36.00, then 18.00."""
    return [
        Inst(1, date(2026, 1, 15), date(2026, 2, 15), D("6000.00"), D("36.00")),
        Inst(2, date(2026, 2, 15), date(2026, 3, 15), D("6000.00"), D("18.00")),
    ]


def test_daily_amounts_round_half_up_to_the_fen() -> None:
    """12,000 x 0.036 / 360 = 1.20 exactly; 10,000 x 0.0395 / 360 = 1.0972.. -> 1.10;
    0.45 x 0.036 / 360 = 0.000045 -> 0.00; 125 x 0.036 / 360 = 0.0125 -> 0.01;
    12,500 x 0.036 / 360 = 1.25 (exact, no rounding)."""
    assert daily(D("0.036"), D("12000.00")) == D("1.20")
    assert daily(D("0.0395"), D("10000.00")) == D("1.10")
    assert daily(D("0.036"), D("0.45")) == D("0.00")
    assert daily(D("0.036"), D("125.00")) == D("0.01")
    assert daily(D("0.036"), D("12500.00")) == D("1.25")
    assert penalty_rate(D("0.036"), D("0.5")) == D("0.054")


def test_accrual_is_principal_not_yet_due_at_the_daily_rate() -> None:
    """Period 1 runs 2026-01-15 .. 2026-02-14 (31 days); base 12,000.00 -> 1.20 a day."""
    rows = two_months()
    found = accrual_for_day(rows, date(2026, 1, 15), D("0.036"), date(2026, 1, 15))
    assert found is not None and (found.number, found.amount) == (1, D("1.20"))
    assert accrual_for_day(rows, date(2026, 1, 14), D("0.036"), date(2026, 1, 15)) is None


def test_accrual_is_capped_and_the_last_day_takes_the_remainder() -> None:
    """After 29 days 34.80 is accrued; day 30 (02-13) may add only 36.00 - 34.80 = 1.20; with
    35.50 accrued, day 30 adds min(1.20, 0.50) = 0.50; on the last day (02-14) the remainder
    is posted whatever the daily amount: 36.00 - 35.00 = 1.00."""
    rows = two_months()
    rows[0].accrued_interest = D("34.80")
    got = accrual_for_day(rows, date(2026, 2, 13), D("0.036"), date(2026, 1, 15))
    assert got is not None and got.amount == D("1.20")
    rows[0].accrued_interest = D("35.50")
    got = accrual_for_day(rows, date(2026, 2, 13), D("0.036"), date(2026, 1, 15))
    assert got is not None and got.amount == D("0.50")
    rows[0].accrued_interest = D("35.00")
    got = accrual_for_day(rows, date(2026, 2, 14), D("0.036"), date(2026, 1, 15))
    assert got is not None and got.amount == D("1.00")
    rows[0].accrued_interest = D("36.00")
    assert accrual_for_day(rows, date(2026, 2, 14), D("0.036"), date(2026, 1, 15)) is None


def test_after_a_due_date_only_principal_not_yet_due_earns_regular_interest() -> None:
    """On 02-16 installment 1 is due (unpaid): base = 6,000.00 -> 6,000 x 0.036 / 360 = 0.60."""
    got = accrual_for_day(two_months(), date(2026, 2, 16), D("0.036"), date(2026, 1, 15))
    assert got is not None and (got.number, got.amount) == (2, D("0.60"))


def test_period_starts_follow_the_previous_due_date_when_not_stored() -> None:
    rows = two_months()
    for row in rows:
        row.starts_on = None
    assert starts_of(rows, date(2026, 1, 15)) == {1: date(2026, 1, 15), 2: date(2026, 2, 15)}


def test_penalty_and_compound_interest_on_what_fell_due_before_the_day() -> None:
    """Installment 1 (6,000.00 + 36.00) unpaid; penalty rate 3.6 % x 1.5 = 5.4 %:
    6,000 x 0.054 / 360 = 0.90; compound 36 x 0.054 / 360 = 0.0054 -> 0.01. On the due date
    itself nothing is overdue yet."""
    rows = two_months()
    on_due = penalty_for_day(rows, date(2026, 2, 15), D("0.036"), D("0.5"))
    assert on_due.total == D("0.00")
    after = penalty_for_day(rows, date(2026, 2, 16), D("0.036"), D("0.5"))
    assert (after.on_principal, after.on_interest, after.total) == (D("0.90"), D("0.01"),
                                                                   D("0.91"))  # fmt: skip
    rows[0].paid_principal = D("2000.00")  # 4,000 x 0.054 / 360 = 0.60
    assert penalty_for_day(rows, date(2026, 2, 16), D("0.036"), D("0.5")).on_principal == D("0.60")


def test_days_past_due_counts_the_due_date_as_the_first_day() -> None:
    rows = two_months()
    assert days_past_due(rows, date(2026, 2, 14)) == 0
    assert days_past_due(rows, date(2026, 2, 15)) == 1
    assert days_past_due(rows, date(2026, 3, 31)) == 45  # 02-15 .. 03-31
    rows[0].paid_principal, rows[0].paid_interest = D("6000.00"), D("36.00")
    assert days_past_due(rows, date(2026, 3, 31)) == 17  # the oldest unpaid: 03-15
