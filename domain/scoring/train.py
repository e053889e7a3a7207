"""Fitting a scorecard: bin every column, select by information value, logistic regression."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.linear_model import LogisticRegression

from domain.errors import InvalidInput
from domain.scoring.scorecard import DEFAULT_GRADES, Scaling, Scorecard
from domain.scoring.woe import Binning, BinningError, BinningOptions, bin_feature


@dataclass(frozen=True)
class FitOptions:
    """Feature selection and regression settings."""

    binning: BinningOptions = field(default_factory=BinningOptions)
    min_iv: float = 0.02
    max_features: int = 15
    max_corr: float = 0.9
    c: float = 1.0
    scaling: Scaling = field(default_factory=Scaling)
    grades: tuple[tuple[str, float], ...] = DEFAULT_GRADES


@dataclass
class FitReport:
    """What happened to each column: its IV, selected or why rejected."""

    iv: dict[str, float] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "iv": {k: round(v, 6) for k, v in sorted(self.iv.items(), key=lambda kv: -kv[1])},
            "selected": self.selected,
            "rejected": self.rejected,
        }


def fit_scorecard(
    x: pd.DataFrame,
    y: npt.ArrayLike,
    *,
    options: FitOptions | None = None,
    descriptions: Mapping[str, str] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> tuple[Scorecard, FitReport]:
    """Fit a scorecard on features `x` and labels `y` (1 = bad); InvalidInput if impossible."""
    opts = options or FitOptions()
    yy = np.asarray(y, dtype=np.int64)
    if yy.size != len(x):
        raise InvalidInput("features and labels differ in length")
    if yy.size == 0 or yy.min() == yy.max():
        raise InvalidInput("the training sample needs both good and bad outcomes", field="label")
    x = x.reset_index(drop=True)
    report = FitReport()
    binnings: dict[str, Binning] = {}
    for col in x.columns:
        name = str(col)
        try:
            b = bin_feature(name, x[col], yy, opts.binning)
        except BinningError as exc:
            report.rejected[name] = str(exc)
            continue
        report.iv[name] = b.iv
        if b.n_bins < 2 and b.missing_count == 0:
            report.rejected[name] = "a single bin after binning"
        elif b.iv < opts.min_iv:
            report.rejected[name] = f"information value {b.iv:.4f} below {opts.min_iv}"
        else:
            binnings[name] = b
    kept = _select(x, binnings, report, opts)
    if not kept:
        raise InvalidInput(
            "no usable feature: every column is constant, unreadable or uninformative "
            f"({_summary(report.rejected)})"
        )
    card = _regress(x, yy, [binnings[k] for k in kept], report, opts, descriptions, meta)
    report.selected = card.features
    return card, report


def _summary(rejected: Mapping[str, str], limit: int = 5) -> str:
    items = [f"{k}: {v}" for k, v in list(rejected.items())[:limit]]
    more = len(rejected) - limit
    return "; ".join(items) + (f"; and {more} more" if more > 0 else "")


def _select(
    x: pd.DataFrame, binnings: Mapping[str, Binning], report: FitReport, opts: FitOptions
) -> list[str]:
    """Top features by IV, skipping any whose WoE is near-collinear with one already kept."""
    kept: list[str] = []
    kept_woe: list[npt.NDArray[np.float64]] = []
    for name in sorted(binnings, key=lambda n: (-binnings[n].iv, n)):
        if len(kept) >= opts.max_features:
            report.rejected[name] = f"beyond the top {opts.max_features} by information value"
            continue
        w = binnings[name].transform(x[name])
        dup = next(
            (k for k, kw in zip(kept, kept_woe, strict=True) if _corr(w, kw) > opts.max_corr), None
        )
        if dup is not None:
            report.rejected[name] = f"near-duplicate of {dup}"
            continue
        kept.append(name)
        kept_woe.append(w)
    return kept


def _corr(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return abs(float(np.corrcoef(a, b)[0, 1]))


def _regress(
    x: pd.DataFrame,
    y: npt.NDArray[np.int64],
    binnings: list[Binning],
    report: FitReport,
    opts: FitOptions,
    descriptions: Mapping[str, str] | None,
    meta: Mapping[str, Any] | None,
) -> Scorecard:
    """Logistic regression on WoE; a feature whose sign contradicts its WoE is dropped, refit."""
    active = list(binnings)
    while True:
        w = np.column_stack([b.transform(x[b.feature]) for b in active])
        model = LogisticRegression(C=opts.c, max_iter=2000)
        model.fit(w, y)
        coef = model.coef_[0]
        # WoE rises with safety, so a bad-event coefficient must be negative
        worst = int(np.argmax(coef))
        if coef[worst] < 0 or len(active) == 1:
            break
        report.rejected[active[worst].feature] = "sign reversed in the joint regression"
        active.pop(worst)
    names = {b.feature for b in active}
    return Scorecard(
        binnings=active,
        coefficients=[float(c) for c in coef],
        intercept=float(model.intercept_[0]),
        scaling=opts.scaling,
        grades=opts.grades,
        descriptions={k: v for k, v in (descriptions or {}).items() if k in names},
        meta=dict(meta or {}),
    )
