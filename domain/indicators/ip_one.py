"""IP indicators of one firm, from the few rows of its portfolio.

`ip.compute` for a single firm: the same values as the grouped pandas code, with numpy over the
firm's patents instead of a groupby per aggregate. Sums are added as pandas adds them (see
`domain.indicators.small`), column by column: `patent_quality` builds its frame one column at
a time and pandas keeps each in a block of its own, so a missing value in one column does not
change how another is added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from domain.indicators.common import F64, ratio
from domain.indicators.context import Context
from domain.indicators.small import one_group_sum

AGGREGATES = ("mean", "max", "sum")


class _Columns:
    """The firm's quality rows as numpy columns, indexable like the frame by the subsets."""

    def __init__(self, q: pd.DataFrame) -> None:
        self.frame = q
        self.index = pd.RangeIndex(len(q))
        self.columns: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.columns:
            col = self.frame[name]
            dtype = object if col.dtype == object or name.startswith("ipc_") else np.float64
            self.columns[name] = col.to_numpy(dtype=dtype)
        return self.columns[name]


def _one(value: float) -> F64:
    return np.array([value], dtype=np.float64)


def _aggregate(values: F64, how: str) -> float:
    known = values[~np.isnan(values)]
    if how == "max":
        return float(known.max()) if len(known) else np.nan
    total = one_group_sum(values.tolist())
    if how == "sum":
        return total
    return total / len(known) if len(known) else np.nan


def one_firm(
    ctx: Context,
    q: pd.DataFrame,
    subsets: Mapping[str, tuple[Any, Any, bool, Callable[[Any], Any]]],
    features: Mapping[str, tuple[Any, Any, Any, tuple[str, ...]]],
    in_force_means: tuple[str, ...],
) -> dict[str, F64]:
    """The portfolio indicators (all but the intensities) of the one firm of `ctx`, whose
    patents are the rows of `q`."""
    cols = _Columns(q)
    out: dict[str, F64] = {}
    for key, (*_, fn) in subsets.items():
        out[f"ip.{key}.count"] = _one(float(np.count_nonzero(np.asarray(fn(cols), dtype=bool))))
    total = out["ip.all.count"]
    for key, (_, _, share, _) in subsets.items():
        if share:
            out[f"ip.{key}.share"] = ratio(out[f"ip.{key}.count"], total)
    for key, (*_, aggs) in features.items():
        for a in aggs:
            out[f"ip.{key}.{a}"] = _one(_aggregate(cols[key], a))
    live = cols["is_in_force"] > 0
    for key in in_force_means:
        out[f"ip.in_force.{key}.mean"] = _one(_aggregate(cols[key][live], "mean"))
    out["ip.in_force.remaining_life_years.min"] = _one(
        -_aggregate(-cols["remaining_life_years"][live], "max")
    )
    out.update(_concentration(cols))
    age = cols["age_years"]
    inv = (cols["kind_invention"] > 0) & (age >= 2)
    granted = cols["is_granted"][inv]
    out["ip.invention.grant_rate"] = _one(_aggregate(granted, "mean") if len(granted) else np.nan)
    prior = _one(float(np.count_nonzero((age >= 2) & (age < 4))))
    out["ip.filing.growth_2y"] = ratio(out["ip.filed_2y.count"], prior) - 1.0
    return out


def _concentration(cols: _Columns) -> dict[str, F64]:
    out: dict[str, F64] = {}
    for level in ("subclass", "section"):
        cats = [c for c in cols[f"ipc_{level}"].tolist() if not pd.isna(c)]
        counts = dict.fromkeys(cats, 0)
        for c in cats:
            counts[c] += 1
        shares = [(n / len(cats)) * (n / len(cats)) for n in counts.values()]
        hhi = one_group_sum(shares)
        out[f"ip.ipc_{level}.hhi"] = 1.0 - _one(1.0 - hhi if cats else np.nan)
        out[f"ip.ipc_{level}.distinct"] = _one(len(counts))
        if level == "subclass":
            top = max(counts.values()) / len(cats) if cats else np.nan
            out["ip.ipc_subclass.top_share"] = _one(top)
    return out
