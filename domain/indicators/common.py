"""Shared helpers for indicator computation: the as-of instant, safe ratios, group reductions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

F64 = npt.NDArray[np.float64]
YEAR_DAYS = 365.25


def as_of_ts(as_of: Any) -> pd.Timestamp:
    """The as-of instant as a naive UTC timestamp (frames hold naive UTC dates)."""
    if isinstance(as_of, pd.Timestamp):
        t = as_of
    elif isinstance(as_of, datetime | date | str | np.datetime64):
        t = pd.Timestamp(as_of)
    else:
        raise TypeError(f"as_of must be a date or timestamp, not {type(as_of).__name__}")
    if t.tzinfo is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    return t


def known(dates: pd.Series, t: pd.Timestamp) -> pd.Series:
    """Rows whose date is on or before `t`; undated rows count as old, known facts."""
    return dates.isna() | (dates <= t)


def days_between(later: pd.Series | pd.Timestamp, earlier: pd.Series | pd.Timestamp) -> F64:
    """Float days from `earlier` to `later` (NaN where either is missing)."""
    delta = pd.Series(later - earlier) if not isinstance(later, pd.Series) else later - earlier
    return np.asarray(pd.to_timedelta(delta) / pd.Timedelta(days=1), dtype=np.float64)


def f64(x: Any) -> F64:
    """`x` as a float64 array."""
    return np.asarray(x, dtype=np.float64)


def text(values: pd.Series) -> npt.NDArray[np.object_]:
    """A column as an object array of strings, None where missing."""
    return np.asarray(values.astype(object).where(values.notna(), None), dtype=object)


def ratio(num: Any, den: Any) -> F64:
    """num / den with NaN where den is 0 or missing."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = n / d
    out[~np.isfinite(d) | (d == 0)] = np.nan
    return np.asarray(out, dtype=np.float64)


def saturate(x: Any, half: float) -> F64:
    """x / (x + half) for x >= 0: 0 at 0, 0.5 at `half`, towards 1; missing counts as 0."""
    v = np.clip(np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0), 0.0, None)
    return np.asarray(v / (v + half), dtype=np.float64)


def one_minus_hhi(keys: pd.Series, cats: pd.Series) -> pd.Series:
    """1 - Herfindahl index of `cats` within each `keys` group (rows with a missing cat skipped)."""
    ok = keys.notna() & cats.notna()
    df = pd.DataFrame({"k": keys[ok].to_numpy(), "c": cats[ok].to_numpy()})
    if df.empty:
        return pd.Series(dtype=np.float64)
    counts = df.groupby(["k", "c"], sort=False).size()
    total = counts.groupby(level=0, sort=False).transform("sum")
    share2 = (counts / total) ** 2
    return 1.0 - share2.groupby(level=0, sort=False).sum()
