"""Financial indicators from the latest statements known at the as-of date.

An annual statement for year Y is known from 30 April of Y+1; a quarterly one once a month has
passed since the quarter's end (period_end + 1 month <= as_of).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.indicators.common import F64, days_between, ratio
from domain.indicators.context import Context
from domain.indicators.financial_one import Picked, Statement, one_firm
from domain.indicators.small import one_firm_path
from domain.indicators.spec import DOWN, UP, Block, Direction, IndicatorDefinition, definer

_d = definer("financial", "financial")
Frame = pd.DataFrame
Rows = Frame | Statement  # statements of many firms, or of one


def _col(df: Rows, name: str) -> F64:
    return np.asarray(df[name], dtype=np.float64)


def _equity(df: Rows) -> F64:
    return _col(df, "total_assets") - _col(df, "total_liabilities")


def _flag(cond: npt.NDArray[np.bool_], *inputs: F64) -> F64:
    missing = np.zeros(len(cond), dtype=bool)
    for x in inputs:
        missing |= np.isnan(x)
    return np.where(missing, np.nan, cond.astype(np.float64))


# name -> (readable, unit, direction, formula text, function of one statement row per firm)
LEVELS: dict[str, tuple[str, str, Direction, str, Callable[[Rows], F64]]] = {
    "leverage": ("leverage", "ratio", UP, "total liabilities / total assets",
                 lambda f: ratio(_col(f, "total_liabilities"), _col(f, "total_assets"))),
    "equity_ratio": ("equity ratio", "ratio", DOWN, "equity / total assets",
                     lambda f: ratio(_equity(f), _col(f, "total_assets"))),
    "negative_equity": ("negative equity", "flag", UP, "1 when liabilities exceed assets",
                        lambda f: _flag(_equity(f) < 0, _equity(f))),
    "current_ratio": ("current ratio", "ratio", DOWN, "current assets / current liabilities",
                      lambda f: ratio(_col(f, "current_assets"), _col(f, "current_liabilities"))),
    "cash_ratio": ("cash ratio", "ratio", DOWN, "cash / current liabilities",
                   lambda f: ratio(_col(f, "cash"), _col(f, "current_liabilities"))),
    "cash_to_assets": ("cash to assets", "ratio", DOWN, "cash / total assets",
                       lambda f: ratio(_col(f, "cash"), _col(f, "total_assets"))),
    "working_capital_to_assets": (
        "working capital to assets", "ratio", DOWN,
        "(current assets - current liabilities) / total assets",
        lambda f: ratio(_col(f, "current_assets") - _col(f, "current_liabilities"),
                        _col(f, "total_assets"))),
    "net_margin": ("net margin", "ratio", DOWN, "net profit / revenue",
                   lambda f: ratio(_col(f, "net_profit"), _col(f, "revenue"))),
    "roa": ("return on assets", "ratio", DOWN, "net profit / total assets",
            lambda f: ratio(_col(f, "net_profit"), _col(f, "total_assets"))),
    "roe": ("return on equity", "ratio", DOWN, "net profit / equity (missing if equity <= 0)",
            lambda f: ratio(_col(f, "net_profit"), np.where(_equity(f) > 0, _equity(f), np.nan))),
    "loss": ("loss-making", "flag", UP, "1 when net profit is negative",
             lambda f: _flag(_col(f, "net_profit") < 0, _col(f, "net_profit"))),
    "rd_intensity": ("R&D intensity", "ratio", DOWN, "R&D expense / revenue",
                     lambda f: ratio(_col(f, "rd_expense"), _col(f, "revenue"))),
    "ocf_margin": ("operating cash-flow margin", "ratio", DOWN, "operating cash flow / revenue",
                   lambda f: ratio(_col(f, "operating_cash_flow"), _col(f, "revenue"))),
    "ocf_to_liabilities": (
        "cash-flow cover of liabilities", "ratio", DOWN,
        "operating cash flow / total liabilities",
        lambda f: ratio(_col(f, "operating_cash_flow"), _col(f, "total_liabilities"))),
    "ocf_to_current_liabilities": (
        "cash-flow cover of current liabilities", "ratio", DOWN,
        "operating cash flow / current liabilities",
        lambda f: ratio(_col(f, "operating_cash_flow"), _col(f, "current_liabilities"))),
    "negative_ocf": ("negative operating cash flow", "flag", UP,
                     "1 when operating cash flow is negative",
                     lambda f: _flag(_col(f, "operating_cash_flow") < 0,
                                     _col(f, "operating_cash_flow"))),
    "asset_turnover": ("asset turnover", "ratio", DOWN, "revenue / total assets",
                       lambda f: ratio(_col(f, "revenue"), _col(f, "total_assets"))),
    "log_assets": ("log total assets", "log CNY", DOWN, "ln(1 + total assets)",
                   lambda f: np.log1p(np.clip(_col(f, "total_assets"), 0, None))),
    "log_revenue": ("log revenue", "log CNY", DOWN, "ln(1 + revenue)",
                    lambda f: np.log1p(np.clip(_col(f, "revenue"), 0, None))),
}  # fmt: skip
GROWTH: dict[str, tuple[str, Direction]] = {
    "revenue": ("revenue", DOWN), "net_profit": ("net profit", DOWN),
    "total_assets": ("total assets", DOWN), "total_liabilities": ("total liabilities", UP),
    "rd_expense": ("R&D expense", DOWN), "cash": ("cash", DOWN),
    "operating_cash_flow": ("operating cash flow", DOWN), "equity": ("equity", DOWN),
}  # fmt: skip
CHANGES = ("leverage", "current_ratio", "net_margin", "rd_intensity")
QUARTER_GROWTH = ("revenue", "net_profit", "cash")
PERIODS = {"annual": "the latest annual statement", "quarter": "the latest quarterly statement"}


def definitions() -> tuple[IndicatorDefinition, ...]:
    """Financial indicator definitions."""
    out: list[IndicatorDefinition] = []
    for period, text in PERIODS.items():
        for key, (name, unit, direction, formula, _) in LEVELS.items():
            out.append(_d(f"fin.{period}.{key}", f"{name} ({period})", unit,
                          f"{formula.capitalize()}, from {text} known at the as-of date.",
                          direction))  # fmt: skip
    for key, (name, direction) in GROWTH.items():
        out.append(_d(f"fin.annual.{key}.growth_1y", f"{name} growth (annual)", "ratio",
                      f"Year-on-year change of {name} / |previous year's {name}|, latest two "
                      "known annual statements.", direction))  # fmt: skip
    for key in CHANGES:
        name, _, direction, formula, _ = LEVELS[key]
        out.append(
            _d(
                f"fin.annual.{key}.change_1y",
                f"{name} change (annual)",
                "ratio",
                f"Change of {formula} from the previous annual statement.",
                direction,
            )
        )
    for key in QUARTER_GROWTH:
        name, direction = GROWTH[key]
        out.append(_d(f"fin.quarter.{key}.growth_yoy", f"{name} growth (quarter, yoy)", "ratio",
                      f"Change of {name} over the same quarter a year before / |that quarter's "
                      f"{name}|.", direction))  # fmt: skip
    out += [
        _d("fin.annual.age_days", "age of the latest annual statement", "days",
           "Days from the end of the latest known annual period to the as-of date.", UP),
        _d("fin.quarter.age_days", "age of the latest quarterly statement", "days",
           "Days from the end of the latest known quarter to the as-of date.", UP),
        _d("fin.annual.periods_known", "annual statements known", "statements",
           "Number of annual statements known at the as-of date.", DOWN),
        _d("fin.annual.revenue_gap_tax", "revenue gap with tax records", "ratio",
           "|annual statement revenue - taxable revenue of the same year| / taxable revenue, "
           "in the latest year where both are known.", UP),
    ]  # fmt: skip
    return tuple(out)


def _rows(df: Frame, ctx: Context, key: pd.Series) -> Frame:
    """The row of `df` (indexed by uscc, period_end) at `key` (period_end per firm)."""
    return df.reindex(pd.MultiIndex.from_arrays([ctx.index, pd.DatetimeIndex(key.to_numpy())]))


def compute(ctx: Context) -> Mapping[str, F64]:
    """All financial indicators."""
    fin = ctx.frames.financials
    if ctx.n == 1:
        fin = fin[fin["uscc"].astype(object).to_numpy() == str(ctx.index[0])]
    picked = one_firm(ctx, fin) if one_firm_path(ctx.n, len(fin)) else _picked(ctx, fin)
    a0, a1, q0, q1 = picked.a0, picked.a1, picked.q0, picked.q1
    out: dict[str, F64] = {}
    for key, (*_, fn) in LEVELS.items():
        out[f"fin.annual.{key}"] = fn(a0)
        out[f"fin.quarter.{key}"] = fn(q0)
    for key in GROWTH:
        now = _equity(a0) if key == "equity" else _col(a0, key)
        before = _equity(a1) if key == "equity" else _col(a1, key)
        out[f"fin.annual.{key}.growth_1y"] = ratio(now - before, np.abs(before))
    for key in CHANGES:
        out[f"fin.annual.{key}.change_1y"] = out[f"fin.annual.{key}"] - LEVELS[key][4](a1)
    for key in QUARTER_GROWTH:
        now, before = _col(q0, key), _col(q1, key)
        out[f"fin.quarter.{key}.growth_yoy"] = ratio(now - before, np.abs(before))
    out["fin.annual.age_days"] = picked.annual_age
    out["fin.quarter.age_days"] = picked.quarter_age
    out["fin.annual.periods_known"] = picked.periods
    out["fin.annual.revenue_gap_tax"] = picked.revenue_gap
    return out


def _picked(ctx: Context, fin: Frame) -> Picked:
    """The statements of many firms, by grouping."""
    fin = fin.dropna(subset=["uscc", "period", "period_end"]).copy()
    fin["uscc"] = fin["uscc"].astype(str)
    fin = fin[fin["uscc"].isin(ctx.index)]
    period = fin["period"].astype(str)
    quarterly = period.str.contains("Q").to_numpy()
    ann = fin[~quarterly]
    year = ann["period_end"].dt.year
    ann = ann[(pd.to_datetime({"year": year + 1, "month": 4, "day": 30}) <= ctx.t).to_numpy()]
    qtr = fin[quarterly]
    qtr = qtr[(qtr["period_end"] + pd.DateOffset(months=1) <= ctx.t).to_numpy()]
    ann = ann.drop_duplicates(["uscc", "period_end"], keep="last").set_index(["uscc", "period_end"])
    qtr = qtr.drop_duplicates(["uscc", "period_end"], keep="last").set_index(["uscc", "period_end"])
    ann_end = ann.reset_index().groupby("uscc")["period_end"].max().reindex(ctx.index)
    qtr_end = qtr.reset_index().groupby("uscc")["period_end"].max().reindex(ctx.index)
    return Picked(
        a0=_rows(ann, ctx, ann_end),
        a1=_rows(ann, ctx, ann_end - pd.DateOffset(years=1)),
        q0=_rows(qtr, ctx, qtr_end),
        q1=_rows(qtr, ctx, (qtr_end - pd.DateOffset(years=1)) + pd.offsets.MonthEnd(0)),
        annual_age=days_between(ctx.t, ann_end),
        quarter_age=days_between(ctx.t, qtr_end),
        periods=ctx.align(ann.reset_index().groupby("uscc").size(), 0.0),
        revenue_gap=_revenue_gap(ctx, ann),
    )


def _revenue_gap(ctx: Context, ann: Frame) -> F64:
    """Statement vs taxable revenue in the latest year where both are known."""
    a = ann.reset_index()
    a = pd.DataFrame({"uscc": a["uscc"], "year": a["period_end"].dt.year, "fin": a["revenue"]})
    tax = ctx.frames.tax.dropna(subset=["uscc", "year"])
    tax = pd.DataFrame(
        {"uscc": tax["uscc"].astype(str), "year": tax["year"].astype("int64"),
         "tax": tax["revenue"]}
    )  # fmt: skip
    known = pd.to_datetime({"year": tax["year"] + 1, "month": 6, "day": 1}) <= ctx.t
    tax = tax[known.to_numpy()].drop_duplicates(["uscc", "year"], keep="last")
    m = a.merge(tax, on=["uscc", "year"]).dropna(subset=["fin", "tax"])
    m = m.sort_values("year", kind="stable").drop_duplicates("uscc", keep="last")
    gap = ratio(np.abs(m["fin"] - m["tax"]), m["tax"])
    return ctx.align(pd.Series(gap, index=m["uscc"].to_numpy()))


BLOCK = Block("financial", definitions(), compute)
