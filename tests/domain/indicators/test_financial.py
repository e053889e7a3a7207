"""Financial indicators from the statements known at the as-of date."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from tests.domain.indicators.worlds import firm, value, values


def statement(period: str, **figures: float) -> dict[str, Any]:
    return {"uscc": "A", "period": period, **figures}


FIN = [
    statement("2021", revenue=800, net_profit=-40, total_assets=1600, total_liabilities=1000,
              current_assets=600, current_liabilities=500, cash=100, rd_expense=40,
              operating_cash_flow=60),
    statement("2022", revenue=1000, net_profit=100, total_assets=2000, total_liabilities=1200,
              current_assets=800, current_liabilities=400, cash=200, rd_expense=50,
              operating_cash_flow=150),
    statement("2023", revenue=5, net_profit=1, total_assets=10, total_liabilities=1,
              current_assets=1, current_liabilities=1, cash=1, rd_expense=1,
              operating_cash_flow=1),
    statement("2022Q4", revenue=300, net_profit=30, cash=100),
    statement("2023Q4", revenue=330, net_profit=15, cash=150, total_assets=2100,
              total_liabilities=2200, current_assets=900, current_liabilities=600,
              rd_expense=20, operating_cash_flow=-10),
    statement("2024Q1", revenue=1, net_profit=1, cash=1, total_assets=1, total_liabilities=1),
]  # fmt: skip
TAX = [{"uscc": "A", "year": 2022, "revenue": 900.0}, {"uscc": "A", "year": 2023, "revenue": 5}]
AS_OF = pd.Timestamp("2024-04-15")


def _frames() -> Any:
    from domain.world.frames import frames_from_rows

    return frames_from_rows({"enterprises": [firm("A"), firm("B")], "financials": FIN, "tax": TAX})


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return values(_frames(), AS_OF)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("fin.annual.leverage", 0.6),
        ("fin.annual.equity_ratio", 0.4),
        ("fin.annual.negative_equity", 0.0),
        ("fin.annual.current_ratio", 2.0),
        ("fin.annual.cash_ratio", 0.5),
        ("fin.annual.cash_to_assets", 0.1),
        ("fin.annual.working_capital_to_assets", 0.2),
        ("fin.annual.net_margin", 0.1),
        ("fin.annual.roa", 0.05),
        ("fin.annual.roe", 0.125),
        ("fin.annual.loss", 0.0),
        ("fin.annual.rd_intensity", 0.05),
        ("fin.annual.ocf_margin", 0.15),
        ("fin.annual.ocf_to_liabilities", 0.125),
        ("fin.annual.ocf_to_current_liabilities", 0.375),
        ("fin.annual.negative_ocf", 0.0),
        ("fin.annual.asset_turnover", 0.5),
        ("fin.annual.log_assets", math.log1p(2000)),
        ("fin.annual.log_revenue", math.log1p(1000)),
        ("fin.annual.revenue.growth_1y", 0.25),
        ("fin.annual.net_profit.growth_1y", 3.5),
        ("fin.annual.total_assets.growth_1y", 0.25),
        ("fin.annual.total_liabilities.growth_1y", 0.2),
        ("fin.annual.rd_expense.growth_1y", 0.25),
        ("fin.annual.cash.growth_1y", 1.0),
        ("fin.annual.operating_cash_flow.growth_1y", 1.5),
        ("fin.annual.equity.growth_1y", 1 / 3),
        ("fin.annual.leverage.change_1y", -0.025),
        ("fin.annual.current_ratio.change_1y", 0.8),
        ("fin.annual.net_margin.change_1y", 0.15),
        ("fin.annual.rd_intensity.change_1y", 0.0),
        ("fin.quarter.leverage", 2200 / 2100),
        ("fin.quarter.negative_equity", 1.0),
        ("fin.quarter.negative_ocf", 1.0),
        ("fin.quarter.revenue.growth_yoy", 0.1),
        ("fin.quarter.net_profit.growth_yoy", -0.5),
        ("fin.quarter.cash.growth_yoy", 0.5),
        ("fin.annual.age_days", 471.0),
        ("fin.quarter.age_days", 106.0),
        ("fin.annual.periods_known", 2.0),
        ("fin.annual.revenue_gap_tax", 1 / 9),
    ],
)
def test_latest_known_statements(df: pd.DataFrame, code: str, expected: float) -> None:
    assert value(df, "A", code) == pytest.approx(expected)


def test_negative_equity_has_no_roe(df: pd.DataFrame) -> None:
    assert math.isnan(value(df, "A", "fin.quarter.roe"))
    assert math.isnan(value(df, "B", "fin.annual.leverage"))
    assert value(df, "B", "fin.annual.periods_known") == 0.0


@pytest.mark.parametrize(
    ("as_of", "annual_revenue", "quarter_age"),
    [
        ("2024-04-29", 1000.0, 120.0),  # the 2023 accounts and 2024Q1 are not out yet
        ("2024-04-30", 5.0, 30.0),  # both published on this day
    ],
)
def test_publication_dates(as_of: str, annual_revenue: float, quarter_age: float) -> None:
    df = values(_frames(), pd.Timestamp(as_of))
    assert value(df, "A", "fin.annual.log_revenue") == pytest.approx(math.log1p(annual_revenue))
    assert value(df, "A", "fin.quarter.age_days") == quarter_age
