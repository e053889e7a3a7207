"""Repayment schedules: known figures, exact sums, and properties over many cases."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from domain.lending.schedule import (
    add_months,
    build_schedule,
    equal_installment_payment,
    schedule_totals,
)
from domain.products import RepaymentMethod

D = Decimal
START = date(2024, 1, 31)


def test_equal_installment_textbook_payment() -> None:
    # the 1,000,000 / 4.9% / 30-year mortgage figure every Chinese loan calculator shows
    assert equal_installment_payment(D("1000000"), D("0.049"), 360) == D("5307.27")


def test_equal_installment_schedule_known_rows() -> None:
    rows = build_schedule(
        RepaymentMethod.EQUAL_INSTALLMENT,
        principal=D("100000"),
        annual_rate=D("0.06"),
        term_months=12,
        start=START,
    )
    assert [r.total for r in rows[:-1]] == [D("8606.64")] * 11
    assert (rows[0].principal, rows[0].interest) == (D("8106.64"), D("500.00"))
    assert (rows[-1].principal, rows[-1].interest) == (D("8563.87"), D("42.82"))
    assert schedule_totals(rows) == (D("100000.00"), D("3279.73"))


def test_equal_principal_known_rows() -> None:
    rows = build_schedule(
        "EQUAL_PRINCIPAL", principal=D("1000000"), annual_rate=D("0.049"), term_months=360,
        start=START,
    )  # fmt: skip
    assert (rows[0].principal, rows[0].interest) == (D("2777.78"), D("4083.33"))
    assert (rows[1].principal, rows[1].interest) == (D("2777.78"), D("4071.99"))
    # the last installment absorbs the rounding of the other 359
    assert rows[-1].principal == D("1000000") - 359 * D("2777.78") == D("2776.98")
    assert schedule_totals(rows)[0] == D("1000000.00")


def test_interest_only_pays_principal_at_maturity() -> None:
    rows = build_schedule(
        "INTEREST_ONLY", principal=D("500000"), annual_rate=D("0.0395"), term_months=6, start=START
    )
    assert [r.principal for r in rows] == [D("0.00")] * 5 + [D("500000.00")]
    assert {r.interest for r in rows} == {D("1645.83")}


def test_zero_rate_splits_principal_evenly() -> None:
    rows = build_schedule(
        "EQUAL_INSTALLMENT", principal=D("1000"), annual_rate=D("0"), term_months=3, start=START
    )
    assert [r.principal for r in rows] == [D("333.33"), D("333.33"), D("333.34")]
    assert all(r.interest == 0 for r in rows)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
        (date(2024, 11, 15), 3, date(2025, 2, 15)),
        (date(2024, 12, 1), 12, date(2025, 12, 1)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("principal", "rate", "term", "error"),
    [
        (D("0"), D("0.05"), 12, ValueError),
        (D("1000"), D("-0.01"), 12, ValueError),
        (D("1000"), D("0.05"), 0, ValueError),
        (1000.0, D("0.05"), 12, TypeError),
    ],
)
def test_bad_arguments_are_refused(
    principal: object, rate: Decimal, term: int, error: type
) -> None:
    with pytest.raises(error):
        build_schedule("EQUAL_PRINCIPAL", principal=principal, annual_rate=rate, term_months=term,  # type: ignore[arg-type]
                       start=START)  # fmt: skip


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_properties_hold_for_random_loans(method: RepaymentMethod) -> None:
    rng = random.Random(20240101)
    for _ in range(300):
        principal = D(rng.randint(1_000_00, 10_000_000_00)) / 100
        rate = D(rng.randint(0, 1500)) / 10000
        term = rng.choice([1, 2, 3, 6, 12, 18, 24, 36, 60, 120])
        rows = build_schedule(
            method, principal=principal, annual_rate=rate, term_months=term, start=START
        )
        total_principal, total_interest = schedule_totals(rows)
        assert len(rows) == term
        assert [r.number for r in rows] == list(range(1, term + 1))
        assert total_principal == principal
        assert all(r.principal >= 0 and r.interest >= 0 for r in rows)
        assert all(r.principal == r.principal.quantize(D("0.01")) for r in rows)
        assert all(a.due_on < b.due_on for a, b in zip(rows, rows[1:], strict=False))
        # interest is never more than a whole term at the full principal
        assert total_interest <= principal * rate / 12 * term + D("0.01") * term
        if method is RepaymentMethod.EQUAL_INSTALLMENT and rate > 0:
            payment = equal_installment_payment(principal, rate, term)
            assert all(r.total == payment for r in rows[:-1])
            assert abs(rows[-1].total - payment) <= D("0.01") * term
