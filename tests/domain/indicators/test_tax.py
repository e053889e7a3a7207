"""Tax indicators: a year's record is known from 1 June of the next year."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.domain.indicators.worlds import firm, frames, value, values

TAX = [
    {"uscc": "A", "year": 2020, "rating": "A", "revenue": 100.0, "tax_paid": 10.0, "arrears": 0},
    {"uscc": "A", "year": 2021, "rating": "B", "revenue": 110.0, "tax_paid": 11.0, "arrears": 0},
    {"uscc": "A", "year": 2022, "rating": "C", "revenue": 121.0, "tax_paid": 6.05, "arrears": 5},
    {"uscc": "A", "year": 2023, "rating": "D", "revenue": 50.0, "tax_paid": 1.0, "arrears": 9},
]
WORLD = frames(enterprises=[firm("A", registered_capital=1000.0), firm("B")], tax=TAX)
BEFORE_2023_KNOWN = pd.Timestamp("2024-05-31")


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return values(WORLD, BEFORE_2023_KNOWN)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("tax.rating.C", 1.0),
        ("tax.rating.D", 0.0),
        ("tax.rating.A", 0.0),
        ("tax.rating.score", 1.0),
        ("tax.rating.prev_score", 3.0),
        ("tax.rating.change", -2.0),
        ("tax.rating.downgraded", 1.0),
        ("tax.rating.worst_3y", 1.0),
        ("tax.rating.known", 1.0),
        ("tax.latest_year_lag", 2.0),
        ("tax.years_on_record", 3.0),
        ("tax.revenue", 121.0),
        ("tax.log_revenue", math.log1p(121.0)),
        ("tax.revenue.growth_1y", 0.1),
        ("tax.revenue.cagr_2y", 0.1),
        ("tax.revenue.volatility_3y", float(np.std([121, 110, 100]) / np.mean([121, 110, 100]))),
        ("tax.revenue.to_capital", 0.121),
        ("tax.paid", 6.05),
        ("tax.paid.growth_1y", -0.45),
        ("tax.burden", 0.05),
        ("tax.burden.change", -0.05),
        ("tax.arrears", 5.0),
        ("tax.arrears.flag", 1.0),
        ("tax.arrears.to_revenue", 5 / 121),
        ("tax.arrears.to_paid", 5 / 6.05),
        ("tax.arrears.sum_3y", 5.0),
        ("tax.arrears.years_3y", 1.0),
        ("tax.arrears.change", 5.0),
    ],
)
def test_latest_known_year(df: pd.DataFrame, code: str, expected: float) -> None:
    assert value(df, "A", code) == pytest.approx(expected)


def test_next_year_is_known_from_1_june() -> None:
    df = values(WORLD, pd.Timestamp("2024-06-01"))
    assert value(df, "A", "tax.rating.D") == 1.0
    assert value(df, "A", "tax.rating.score") == 0.0
    assert value(df, "A", "tax.arrears.sum_3y") == 14.0
    assert value(df, "A", "tax.arrears.years_3y") == 2.0


@pytest.mark.parametrize(
    ("code", "expected"),
    [("tax.rating.known", 0.0), ("tax.years_on_record", 0.0), ("tax.rating.score", math.nan),
     ("tax.rating.A", math.nan), ("tax.arrears.sum_3y", math.nan), ("tax.revenue", math.nan)],
)  # fmt: skip
def test_firm_without_records(df: pd.DataFrame, code: str, expected: float) -> None:
    got = value(df, "B", code)
    assert (math.isnan(got) and math.isnan(expected)) or got == expected
