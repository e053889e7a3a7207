"""Tax indicators from yearly tax records; a year's record is known from 1 June of the next year."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.indicators.common import F64, f64, ratio
from domain.indicators.context import Context
from domain.indicators.spec import DOWN, UP, Block, IndicatorDefinition, definer

RATING_SCORE = {"A": 4.0, "B": 3.0, "M": 2.0, "C": 1.0, "D": 0.0}
_d = definer("tax", "tax")


def definitions() -> tuple[IndicatorDefinition, ...]:
    """Tax indicator definitions."""
    out = [
        _d(f"tax.rating.{r}", f"tax rating {r}", "flag",
           f"1 when the latest known tax credit rating is {r}.", DOWN if r in "AB" else UP)
        for r in RATING_SCORE
    ]  # fmt: skip
    out += [
        _d("tax.rating.score", "tax rating score", "score",
           "Latest known tax credit rating as A=4, B=3, M=2, C=1, D=0.", DOWN),
        _d("tax.rating.prev_score", "previous tax rating score", "score",
           "Tax rating score of the year before the latest known year.", DOWN),
        _d("tax.rating.change", "tax rating change", "score",
           "Latest minus previous tax rating score.", DOWN),
        _d("tax.rating.downgraded", "tax rating downgraded", "flag",
           "1 when the latest rating is below the previous one.", UP),
        _d("tax.rating.worst_3y", "worst tax rating over 3 years", "score",
           "Lowest rating score over the three latest known years.", DOWN),
        _d("tax.rating.known", "tax rating known", "flag",
           "1 when at least one tax year is known at the as-of date.", DOWN),
        _d("tax.latest_year_lag", "tax record lag", "years",
           "Years between the as-of year and the latest known tax year.", UP),
        _d("tax.years_on_record", "tax years on record", "years",
           "Number of tax years known at the as-of date.", DOWN),
        _d("tax.revenue", "taxable revenue", "CNY", "Revenue of the latest known tax year.", DOWN),
        _d("tax.log_revenue", "log taxable revenue", "log CNY",
           "ln(1 + revenue) of the latest known tax year.", DOWN),
        _d("tax.revenue.growth_1y", "taxable revenue growth", "ratio",
           "Revenue growth over the previous tax year.", DOWN),
        _d("tax.revenue.cagr_2y", "taxable revenue 2-year growth rate", "ratio",
           "Compound yearly revenue growth over the two years before the latest.", DOWN),
        _d("tax.revenue.volatility_3y", "taxable revenue volatility", "ratio",
           "Standard deviation / mean of revenue over the three latest known years.", UP),
        _d("tax.revenue.to_capital", "revenue to capital", "ratio",
           "Latest taxable revenue / registered capital.", DOWN),
        _d("tax.paid", "tax paid", "CNY", "Tax paid in the latest known year.", DOWN),
        _d("tax.paid.growth_1y", "tax paid growth", "ratio",
           "Growth of tax paid over the previous year.", DOWN),
        _d("tax.burden", "tax burden", "ratio", "Tax paid / revenue, latest known year.", DOWN),
        _d("tax.burden.change", "tax burden change", "ratio",
           "Tax burden minus that of the previous year.", DOWN),
        _d("tax.arrears", "tax arrears", "CNY", "Tax arrears in the latest known year.", UP),
        _d("tax.arrears.flag", "tax arrears present", "flag",
           "1 when the latest known year shows arrears.", UP),
        _d("tax.arrears.to_revenue", "tax arrears to revenue", "ratio",
           "Arrears / revenue, latest known year.", UP),
        _d("tax.arrears.to_paid", "tax arrears to tax paid", "ratio",
           "Arrears / tax paid, latest known year.", UP),
        _d("tax.arrears.sum_3y", "tax arrears over 3 years", "CNY",
           "Sum of arrears over the three latest known years.", UP),
        _d("tax.arrears.years_3y", "years with arrears over 3 years", "years",
           "Number of the three latest known years with arrears.", UP),
        _d("tax.arrears.change", "tax arrears change", "CNY",
           "Arrears minus those of the previous year.", UP),
    ]  # fmt: skip
    return tuple(out)


def _growth(now: F64, before: F64) -> F64:
    return ratio(now - before, np.abs(before))


def compute(ctx: Context) -> Mapping[str, F64]:
    """All tax indicators."""
    tax = _known_records(ctx)
    latest = tax.reset_index().groupby("uscc")["year"].max().reindex(ctx.index)
    years = latest.to_numpy(np.float64)
    rows = tuple(_records_at(ctx, tax, years, lag) for lag in (0, 1, 2))
    out = _rating_indicators(rows, years)
    out["tax.latest_year_lag"] = ctx.t.year - years
    out["tax.years_on_record"] = ctx.align(tax.reset_index().groupby("uscc").size(), 0.0)
    out.update(_amount_indicators(ctx, rows, has=~np.isnan(years)))
    return out


def _known_records(ctx: Context) -> pd.DataFrame:
    """The firms' tax records known at the as-of date, indexed by (uscc, year)."""
    tax = ctx.frames.tax.dropna(subset=["uscc", "year"]).copy()
    tax["uscc"] = tax["uscc"].astype(str)
    tax["year"] = tax["year"].astype("int64")
    known_from = pd.to_datetime({"year": tax["year"] + 1, "month": 6, "day": 1})
    tax = tax[(known_from <= ctx.t).to_numpy() & tax["uscc"].isin(ctx.index).to_numpy()]
    return tax.drop_duplicates(["uscc", "year"], keep="last").set_index(["uscc", "year"])


def _records_at(ctx: Context, tax: pd.DataFrame, years: F64, lag: int) -> pd.DataFrame:
    """Each firm's record `lag` years before its latest known one (a row of NaN if none)."""
    keys = pd.MultiIndex.from_arrays(
        [ctx.index, np.nan_to_num(years - lag, nan=-1).astype("int64")]
    )
    return tax.reindex(keys)


def _rating_indicators(rows: tuple[pd.DataFrame, ...], years: F64) -> dict[str, F64]:
    """The tax credit rating of the latest known years, as flags and scores."""
    score = [f64(y["rating"].map(RATING_SCORE)) for y in rows]
    out: dict[str, F64] = {}
    rating = rows[0]["rating"].to_numpy(dtype=object)
    has = ~np.isnan(years)
    for r in RATING_SCORE:
        out[f"tax.rating.{r}"] = np.where(has, (rating == r).astype(np.float64), np.nan)
    out["tax.rating.score"] = score[0]
    out["tax.rating.prev_score"] = score[1]
    out["tax.rating.change"] = score[0] - score[1]
    out["tax.rating.downgraded"] = np.where(
        np.isnan(score[0]) | np.isnan(score[1]), np.nan, (score[0] < score[1]).astype(np.float64)
    )
    out["tax.rating.worst_3y"] = pd.DataFrame(np.column_stack(score)).min(axis=1).to_numpy()
    out["tax.rating.known"] = has.astype(np.float64)
    return out


def _amount_indicators(
    ctx: Context, rows: tuple[pd.DataFrame, ...], *, has: npt.NDArray[np.bool_]
) -> dict[str, F64]:
    """Revenue, tax paid and arrears of the latest known years, and their ratios."""
    rev = [y["revenue"].to_numpy(np.float64) for y in rows]
    paid = [y["tax_paid"].to_numpy(np.float64) for y in rows[:2]]
    arrears = [y["arrears"].to_numpy(np.float64) for y in rows]
    out: dict[str, F64] = {}
    out["tax.revenue"] = rev[0]
    out["tax.log_revenue"] = np.log1p(np.clip(rev[0], 0, None))
    out["tax.revenue.growth_1y"] = _growth(rev[0], rev[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        cagr = np.sqrt(ratio(rev[0], rev[2])) - 1.0
    out["tax.revenue.cagr_2y"] = np.where((rev[0] > 0) & (rev[2] > 0), cagr, np.nan)
    stack = np.column_stack(rev)
    complete = ~np.isnan(stack).any(axis=1)
    std = np.where(complete, stack.std(axis=1), np.nan)
    out["tax.revenue.volatility_3y"] = ratio(std, np.where(complete, stack.mean(axis=1), np.nan))
    capital = ctx.enterprises["registered_capital"].to_numpy(np.float64)
    out["tax.revenue.to_capital"] = ratio(rev[0], capital)
    out["tax.paid"] = paid[0]
    out["tax.paid.growth_1y"] = _growth(paid[0], paid[1])
    out["tax.burden"] = ratio(paid[0], rev[0])
    out["tax.burden.change"] = out["tax.burden"] - ratio(paid[1], rev[1])
    out["tax.arrears"] = arrears[0]
    out["tax.arrears.flag"] = np.where(np.isnan(arrears[0]), np.nan, (arrears[0] > 0) * 1.0)
    out["tax.arrears.to_revenue"] = ratio(arrears[0], rev[0])
    out["tax.arrears.to_paid"] = ratio(arrears[0], paid[0])
    arr = np.column_stack(arrears)
    out["tax.arrears.sum_3y"] = np.where(has, np.nansum(arr, axis=1), np.nan)
    out["tax.arrears.years_3y"] = np.where(has, (np.nan_to_num(arr) > 0).sum(axis=1), np.nan)
    out["tax.arrears.change"] = arrears[0] - arrears[1]
    return out


BLOCK = Block("tax", definitions(), compute)
