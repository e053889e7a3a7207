"""Batch valuation: model estimate, legal-status rules, and pledge value = value x LTV.

Legal status rules (on top of the model): a patent that is not granted and in force (pending,
lapsed, invalidated, expired, or past its statutory term) keeps its estimated value, flagged,
but has pledge value 0; so does one already pledged elsewhere. Annuities unpaid at the
valuation date are flagged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.valuation.ltv import LtvTable, load_ltv
from domain.valuation.model import ValuationModel
from domain.valuation.term import IN_FORCE, as_naive_utc, remaining_life_years

METHOD = "gbm-log-price"

FLAG_NOT_IN_FORCE = "NOT_IN_FORCE"
FLAG_PENDING = "PENDING"
FLAG_TERM_ENDED = "TERM_ENDED"
FLAG_ALREADY_PLEDGED = "ALREADY_PLEDGED"
FLAG_ANNUITY_OVERDUE = "ANNUITY_OVERDUE"


def _flags(
    patents: pd.DataFrame, life: npt.NDArray[np.float64], t: pd.Timestamp
) -> npt.NDArray[np.object_]:
    status = patents["status"].astype(str).to_numpy()
    pledged = patents["pledged"].fillna(False).astype(bool).to_numpy()
    paid = pd.to_datetime(patents["annuity_paid_through"]).to_numpy()
    overdue = ~pd.isna(paid) & (paid < np.datetime64(t))
    parts = [
        np.where(status == "pending", FLAG_PENDING, ""),
        np.where(~np.isin(status, [IN_FORCE, "pending"]), FLAG_NOT_IN_FORCE + ":" + status, ""),
        np.where((status == IN_FORCE) & (life <= 0), FLAG_TERM_ENDED, ""),
        np.where(pledged, FLAG_ALREADY_PLEDGED, ""),
        np.where(overdue & (status == IN_FORCE), FLAG_ANNUITY_OVERDUE, ""),
    ]
    table = np.stack(parts, axis=1)
    flagged = (table != "").any(axis=1)
    out = np.full(len(patents), "", dtype=object)
    for i in np.flatnonzero(flagged):
        out[i] = ",".join(p for p in table[i] if p)
    return out


def value_patents(
    model: ValuationModel,
    quality: pd.DataFrame,
    patents: pd.DataFrame,
    *,
    as_of: object,
    ltv: LtvTable | None = None,
) -> pd.DataFrame:
    """Value every row of `patents` (the patents frame's columns); indexed by patent number.

    Columns: value, low, high (CNY, float), remaining_life_years, ltv, pledge_value, in_force,
    flags (comma-separated, "" when none).
    """
    table = ltv or load_ltv()
    t = as_naive_utc(as_of)
    pats = patents.reset_index(drop=True)
    value, low, high = model.estimate(quality, pats)
    life = remaining_life_years(pats["kind"], pats["filed_on"], t)
    rate = table.rates(pats["kind"], np.nan_to_num(life, nan=0.0))
    status = pats["status"].astype(str).to_numpy()
    pledged = pats["pledged"].fillna(False).astype(bool).to_numpy()
    in_force = (status == IN_FORCE) & ~(life <= 0)
    pledgeable = in_force & ~pledged
    return pd.DataFrame(
        {
            "value": value,
            "low": low,
            "high": high,
            "remaining_life_years": life,
            "ltv": np.where(pledgeable, rate, 0.0),
            "pledge_value": np.where(pledgeable, value * rate, 0.0),
            "in_force": in_force,
            "flags": _flags(pats, life, t),
        },
        index=pd.Index(pats["number"].to_numpy(), name="number"),
    )
