"""How well a model ranked the firms it scored, month by month, once their outcomes are known.

A firm scored on day t is labelled bad if it defaulted in [t, t + horizon). The label is matured
only when the outcomes were observed at least until t + horizon; firms already in default on day
t and immature rows are left out, so a month's AUC never counts a default that had no time to
happen yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

MIN_ROWS = 10


def label_points(
    points: pd.DataFrame, outcomes: pd.DataFrame, *, horizon_months: int
) -> pd.DataFrame:
    """`points` (uscc, as_of) that have a matured label: month (YYYY-MM) and label (0/1), with
    the index of `points` kept so scores can be joined back."""
    empty = pd.DataFrame({"month": pd.Series(dtype=str), "label": pd.Series(dtype=int)})
    if points.empty or outcomes.empty:
        return empty
    last = outcomes.sort_values("as_of").groupby("uscc").tail(1).set_index("uscc")
    last = last.rename(columns={"as_of": "as_of_outcome"})
    joined = points.join(last, on="uscc", how="inner")
    t = pd.to_datetime(joined["as_of"], utc=True).dt.tz_localize(None).dt.normalize()
    observed = pd.to_datetime(joined["as_of_outcome"])
    defaulted = pd.to_datetime(joined["default_date"]).where(joined["defaulted"].astype(bool))
    end = t + pd.DateOffset(months=horizon_months)
    alive = ~(defaulted < t)
    matured = end <= observed
    keep = (alive & matured).to_numpy()
    label = ((defaulted >= t) & (defaulted < end)).astype(int)
    out = pd.DataFrame({"month": t.dt.strftime("%Y-%m"), "label": label}, index=joined.index)
    return out[keep] if keep.any() else empty


def monthly_auc(labelled: pd.DataFrame) -> list[dict[str, Any]]:
    """Per month: rows, defaults, default rate and AUC of `risk` (higher = riskier); AUC is null
    with fewer than MIN_ROWS rows or without both outcomes."""
    out: list[dict[str, Any]] = []
    if labelled.empty:
        return out
    for month, group in labelled.groupby("month", sort=True):
        y = group["label"].to_numpy(dtype=int)
        risk = group["risk"].to_numpy(dtype=float)
        both = 0 < int(y.sum()) < len(y)
        auc = float(roc_auc_score(y, risk)) if both and len(y) >= MIN_ROWS else None
        out.append(
            {
                "month": str(month),
                "n": len(y),
                "defaults": int(y.sum()),
                "default_rate": float(np.mean(y)),
                "auc": None if auc is None else round(auc, 4),
            }
        )
    return out


__all__ = ["MIN_ROWS", "label_points", "monthly_auc"]
