"""Discrimination and calibration metrics of a probability-of-default model."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score, roc_curve


def ks_statistic(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Kolmogorov-Smirnov: the largest gap between the bads' and goods' score distributions."""
    fpr, tpr, _ = roc_curve(np.asarray(y), np.asarray(p))
    return float(np.max(tpr - fpr))


def calibration_by_decile(y: npt.ArrayLike, p: npt.ArrayLike) -> list[dict[str, float]]:
    """Mean predicted PD against observed bad rate in ten groups of rising predicted PD."""
    yy = np.asarray(y, dtype=float)
    pp = np.asarray(p, dtype=float)
    order = np.argsort(pp, kind="stable")
    rows = []
    for d, chunk in enumerate(np.array_split(order, 10), start=1):
        if chunk.size == 0:
            continue
        rows.append(
            {
                "decile": d,
                "n": int(chunk.size),
                "mean_pd": float(pp[chunk].mean()),
                "bad_rate": float(yy[chunk].mean()),
            }
        )
    return rows


def classification_metrics(y: npt.ArrayLike, p: npt.ArrayLike) -> dict[str, Any]:
    """AUC, KS, Gini, Brier score, calibration by decile, count and bad rate of a sample."""
    yy = np.asarray(y, dtype=int)
    pp = np.asarray(p, dtype=float)
    out: dict[str, Any] = {"n": int(yy.size), "bad_rate": float(yy.mean()) if yy.size else None}
    if yy.size == 0 or yy.min() == yy.max():
        out.update({"auc": None, "ks": None, "gini": None})
    else:
        auc = float(roc_auc_score(yy, pp))
        out.update({"auc": auc, "ks": ks_statistic(yy, pp), "gini": 2.0 * auc - 1.0})
    out["brier"] = float(np.mean((pp - yy) ** 2)) if yy.size else None
    out["mean_pd"] = float(pp.mean()) if yy.size else None
    out["calibration"] = calibration_by_decile(yy, pp) if yy.size else []
    return out
