"""Held-out metrics of a default-probability score, and paired-bootstrap comparisons."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

CALIBRATION_BINS = 10


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present."""
    if len(y) == 0 or y.min() == y.max():
        return None
    return float(roc_auc_score(y, p))


def precision_at(y: np.ndarray, p: np.ndarray, share: float) -> float | None:
    """Default rate among the riskiest `share` of rows (at least one row)."""
    if len(y) == 0:
        return None
    k = max(int(round(len(y) * share)), 1)
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].mean())


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Mean predicted vs observed default rate per score decile (lowest first)."""
    if len(y) == 0:
        return []
    order = np.argsort(p, kind="stable")
    out = []
    for part in np.array_split(order, min(bins, len(y))):
        out.append(
            {
                "n": int(len(part)),
                "mean_predicted": round(float(p[part].mean()), 4),
                "observed_rate": round(float(y[part].mean()), 4),
            }
        )
    return out


def score_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """AUC, AUPRC, precision in the riskiest 1 % and 5 %, Brier and the calibration table."""
    both = len(y) > 0 and y.min() != y.max()
    return {
        "auc": auc(y, p),
        "auprc": float(average_precision_score(y, p)) if both else None,
        "precision_top1": precision_at(y, p, 0.01),
        "precision_top5": precision_at(y, p, 0.05),
        "brier": float(brier_score_loss(y, p)) if len(y) else None,
        "mean_predicted": float(p.mean()) if len(y) else None,
        "calibration": calibration_table(y, p),
    }


def _paired(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict[str, float | None]:
    def gap(f: Any) -> float | None:
        fa, fb = f(y, a), f(y, b)
        return None if fa is None or fb is None else fa - fb

    return {
        "auc": gap(auc),
        "auprc": gap(lambda yy, pp: float(average_precision_score(yy, pp))),
        "brier": gap(lambda yy, pp: float(brier_score_loss(yy, pp))),
    }


class _Ranked:
    """One score's distinct values in decreasing order, to measure resamples of the same rows.

    A bootstrap resample is the original rows with integer weights (how often each was drawn),
    so its AUC and average precision follow from the weights per distinct score value: one
    sort for all rounds instead of one per round, with the same values as sklearn's functions
    on the resampled rows (ties count half in the AUC; a threshold per distinct score in AP).
    """

    def __init__(self, p: np.ndarray) -> None:
        values, inverse = np.unique(-np.asarray(p, dtype=np.float64), return_inverse=True)
        self.group = inverse.ravel()
        self.groups = len(values)
        self.p = np.asarray(p, dtype=np.float64)

    def measures(self, y: np.ndarray, w: np.ndarray) -> dict[str, float]:
        """AUC, average precision and Brier score of the rows weighted by `w` (both classes
        present)."""
        pos_w, neg_w = w * y, w * (1.0 - y)
        pos = np.bincount(self.group, weights=pos_w, minlength=self.groups)
        neg = np.bincount(self.group, weights=neg_w, minlength=self.groups)
        tp, fp = np.cumsum(pos), np.cumsum(neg)
        total_pos, total_neg = tp[-1], fp[-1]
        # negatives scored below each group (groups run from the highest score down)
        below = total_neg - fp
        roc = float(((below + 0.5 * neg) * pos).sum() / (total_pos * total_neg))
        taken = pos > 0  # only thresholds where recall moves add to the average precision
        precision = tp[taken] / (tp[taken] + fp[taken])
        ap = float((pos[taken] / total_pos * precision).sum())
        brier = float((w * (self.p - y) ** 2).sum() / w.sum())
        return {"auc": roc, "auprc": ap, "brier": brier}


def paired_bootstrap(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, *, rounds: int = 200, seed: int = 0
) -> dict[str, Any] | None:
    """Differences a - b on the same rows (AUC, AUPRC, Brier) with paired-bootstrap 95 %
    intervals: both scores are resampled together, so the interval is of the gap itself."""
    if len(y) == 0 or y.min() == y.max():
        return None
    full = _paired(y, a, b)
    yy = np.asarray(y, dtype=np.float64)
    ranked_a, ranked_b = _Ranked(a), _Ranked(b)
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {k: [] for k in full}
    for _ in range(rounds):
        w = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(np.float64)
        drawn_pos = float(w @ yy)
        if drawn_pos == 0.0 or drawn_pos == w.sum():
            continue
        ma, mb = ranked_a.measures(yy, w), ranked_b.measures(yy, w)
        for k in full:
            draws[k].append(ma[k] - mb[k])
    out: dict[str, Any] = {}
    for k, v in full.items():
        lo, hi = np.percentile(draws[k], [2.5, 97.5]) if draws[k] else (np.nan, np.nan)
        out[k] = {
            "gap": None if v is None else round(v, 4),
            "ci95": [round(float(lo), 4), round(float(hi), 4)],
        }
    return out
