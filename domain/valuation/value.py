"""Batch valuation: model estimate, legal-status rules, and pledge value = value x LTV.

Legal status rules (on top of the model), read from the quality table at its as-of date (the
status itself, and the statutory term, come from `domain.indicators.patent_legal`): a
patent not in force (pending, lapsed, invalidated, expired) keeps its estimated value, flagged,
but has pledge value 0; so does one already pledged elsewhere. Unpaid annuities are flagged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.valuation.ltv import LtvTable, load_ltv
from domain.valuation.model import ValuationModel

METHOD = "ridge-gbm-log-price"

FLAG_PENDING = "PENDING"
FLAG_LAPSED = "NOT_IN_FORCE:lapsed"
FLAG_INVALIDATED = "NOT_IN_FORCE:invalidated"
FLAG_EXPIRED = "NOT_IN_FORCE:expired"
FLAG_ALREADY_PLEDGED = "ALREADY_PLEDGED"
FLAG_ANNUITY_OVERDUE = "ANNUITY_OVERDUE"
DEAD_COLUMNS = ("is_pending", "is_lapsed", "is_invalidated", "is_expired")


def _col(quality: pd.DataFrame, name: str, default: float = 0.0) -> npt.NDArray[np.float64]:
    if name not in quality.columns:
        return np.full(len(quality), default)
    return np.asarray(quality[name].to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)


def _flags(quality: pd.DataFrame) -> npt.NDArray[np.object_]:
    gap = _col(quality, "annuity_gap_days", np.nan)
    in_force = _col(quality, "is_in_force") > 0
    parts = [
        np.where(_col(quality, "is_pending") > 0, FLAG_PENDING, ""),
        np.where(_col(quality, "is_lapsed") > 0, FLAG_LAPSED, ""),
        np.where(_col(quality, "is_invalidated") > 0, FLAG_INVALIDATED, ""),
        np.where(_col(quality, "is_expired") > 0, FLAG_EXPIRED, ""),
        np.where(_col(quality, "pledged") > 0, FLAG_ALREADY_PLEDGED, ""),
        np.where(in_force & (np.nan_to_num(gap, nan=0.0) > 0), FLAG_ANNUITY_OVERDUE, ""),
    ]
    table = np.stack(parts, axis=1)
    out = np.full(len(quality), "", dtype=object)
    for i in np.flatnonzero((table != "").any(axis=1)):
        out[i] = ",".join(p for p in table[i] if p)
    return out


def value_patents(
    model: ValuationModel, quality: pd.DataFrame, *, ltv: LtvTable | None = None
) -> pd.DataFrame:
    """Value every patent of a quality table (domain.indicators.patent_quality), same index.

    Columns: value, low, high (CNY, float), remaining_life_years, ltv, pledge_value, in_force,
    flags (comma-separated, "" when none).
    """
    table = ltv or load_ltv()
    value, low, high = model.estimate(quality)
    life = _col(quality, "remaining_life_years", np.nan)
    kind = quality["kind"] if "kind" in quality.columns else pd.Series([None] * len(quality))
    rate = table.rates(kind.reset_index(drop=True), np.nan_to_num(life, nan=0.0))
    in_force = _col(quality, "is_in_force") > 0
    dead = np.maximum.reduce([_col(quality, c) for c in DEAD_COLUMNS]) > 0
    # a dead or already pledged patent never has a pledge value, whatever else the row says
    pledgeable = in_force & ~dead & ~(_col(quality, "pledged") > 0)
    return pd.DataFrame(
        {
            "value": value,
            "low": low,
            "high": high,
            "remaining_life_years": life,
            "ltv": np.where(pledgeable, rate, 0.0),
            "pledge_value": np.where(pledgeable, value * rate, 0.0),
            "in_force": in_force,
            "flags": _flags(quality),
        },
        index=quality.index,
    )
