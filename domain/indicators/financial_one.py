"""The statements the financial indicators of one firm read, picked from its few rows.

`financial.compute` for a single firm: the same statements (latest known annual and quarterly
ones, the year before each, the latest year with both statement and taxable revenue) found by
walking the firm's rows rather than by grouping and re-indexing frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from domain.indicators.common import F64, days_between, ratio
from domain.indicators.context import Context

AMOUNTS = (
    "revenue", "net_profit", "total_assets", "total_liabilities", "current_assets",
    "current_liabilities", "cash", "rd_expense", "operating_cash_flow",
)  # fmt: skip
Statement = Mapping[str, F64]


@dataclass(frozen=True)
class Picked:
    """The statements of the firms (one row each, NaN where none) and what is known of them."""

    a0: Statement | pd.DataFrame  # latest known annual statement
    a1: Statement | pd.DataFrame  # the one a year before
    q0: Statement | pd.DataFrame  # latest known quarterly statement
    q1: Statement | pd.DataFrame  # the same quarter a year before
    annual_age: F64  # days since the end of the latest known annual period
    quarter_age: F64
    periods: F64  # annual statements known
    revenue_gap: F64


def _statement(rows: dict[pd.Timestamp, dict[str, float]], end: object) -> Statement:
    row = rows.get(end) if isinstance(end, pd.Timestamp) else None  # type: ignore[call-overload]
    return {c: np.array([np.nan if row is None else row[c]], dtype=np.float64) for c in AMOUNTS}


def _age(ctx: Context, end: pd.Timestamp | None, dtype: object) -> F64:
    return days_between(ctx.t, pd.Series([end], dtype=dtype))  # type: ignore[call-overload]


def one_firm(ctx: Context, fin: pd.DataFrame) -> Picked:
    """The statements of the one firm of `ctx`; `fin` holds its financial rows (and maybe
    rows without a period)."""
    fin = fin.dropna(subset=["uscc", "period", "period_end"])
    annual: dict[pd.Timestamp, dict[str, float]] = {}
    quarter: dict[pd.Timestamp, dict[str, float]] = {}
    values = {c: fin[c].to_numpy(np.float64).tolist() for c in AMOUNTS}
    month = pd.DateOffset(months=1)
    for i, (period, end) in enumerate(zip(fin["period"].tolist(), fin["period_end"], strict=True)):
        row = {c: values[c][i] for c in AMOUNTS}
        if "Q" in str(period):
            if end + month <= ctx.t:
                quarter[end] = row
        elif pd.Timestamp(year=end.year + 1, month=4, day=30) <= ctx.t:
            annual[end] = row
    ann_end = max(annual) if annual else None
    qtr_end = max(quarter) if quarter else None
    year = pd.DateOffset(years=1)
    return Picked(
        a0=_statement(annual, ann_end),
        a1=_statement(annual, None if ann_end is None else ann_end - year),
        q0=_statement(quarter, qtr_end),
        q1=_statement(
            quarter, None if qtr_end is None else qtr_end - year + pd.offsets.MonthEnd(0)
        ),
        annual_age=_age(ctx, ann_end, fin["period_end"].dtype),
        quarter_age=_age(ctx, qtr_end, fin["period_end"].dtype),
        periods=np.array([float(len(annual))]),
        revenue_gap=_revenue_gap(ctx, annual),
    )


def _revenue_gap(ctx: Context, annual: dict[pd.Timestamp, dict[str, float]]) -> F64:
    """Statement vs taxable revenue in the latest year where both are known."""
    firm = str(ctx.index[0])
    tax = ctx.frames.tax.dropna(subset=["uscc", "year"])
    taxed: dict[int, float] = {}
    for uscc, y, revenue in zip(
        tax["uscc"].tolist(), tax["year"].tolist(), tax["revenue"].tolist(), strict=True
    ):
        if str(uscc) == firm and pd.Timestamp(year=int(y) + 1, month=6, day=1) <= ctx.t:
            taxed[int(y)] = revenue
    both = [
        (end.year, row["revenue"], taxed[end.year])
        for end, row in annual.items()
        if end.year in taxed
        and row["revenue"] == row["revenue"]
        and taxed[end.year] == taxed[end.year]
    ]
    if not both:
        return np.array([np.nan])
    _, fin, tax_revenue = max(both, key=lambda b: b[0])
    return ratio(np.abs(np.array([fin]) - np.array([tax_revenue])), np.array([tax_revenue]))
