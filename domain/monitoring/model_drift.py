"""Population stability of the models: does today's population look like the one they learned on?

The population stability index (PSI) compares the shares of a variable in bins fixed on the
training window (the reference, stored with the model card when the model is trained) with the
shares today: PSI = sum over bins of (today - reference) * ln(today / reference). Missing values
have their own bin, so a feature that stops arriving shifts too. Read it as the industry does:
below 0.1 stable, 0.1 to 0.25 a moderate shift to watch, above 0.25 a shift that calls for a
look at the model (a YELLOW model warning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

BINS = 10
# shares are floored before the logarithm: an empty bin would otherwise make the index infinite
FLOOR = 1e-4
WATCH = 0.1
WARN = 0.25
TOP_FEATURES = 5
MAX_CATEGORIES = 20
OTHER = "__other__"


def _numeric(values: Sequence[Any] | pd.Series | npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Values as floats; anything that is not a finite number counts as missing (NaN)."""
    return np.asarray(pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"), dtype=float)


def _is_numeric(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty:
        return True
    return bool(pd.to_numeric(present, errors="coerce").notna().all())


def reference_of(values: Sequence[Any] | pd.Series | npt.NDArray[Any]) -> dict[str, Any]:
    """The reference distribution of a variable: decile edges (numbers) or the most frequent
    categories, and the share of each bin, the missing bin last."""
    series = pd.Series(values, dtype=object).reset_index(drop=True)
    if not _is_numeric(series):
        present = series.dropna().astype(str)
        categories = list(present.value_counts().index[:MAX_CATEGORIES])
        ref: dict[str, Any] = {"kind": "categorical", "categories": categories}
    else:
        x = _numeric(series)
        finite = x[np.isfinite(x)]
        inner = np.linspace(0, 1, BINS + 1)[1:-1]
        edges = np.unique(np.quantile(finite, inner)) if finite.size else np.array([])
        ref = {"kind": "numeric", "edges": [float(e) for e in edges]}
    ref["shares"] = [float(s) for s in shares(ref, series)]
    ref["n"] = len(series)
    return ref


def shares(
    reference: Mapping[str, Any], values: Sequence[Any] | pd.Series | npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """The share of `values` in each bin of `reference` (the missing bin last)."""
    series = pd.Series(values, dtype=object).reset_index(drop=True)
    n = max(len(series), 1)
    if reference.get("kind") == "categorical":
        categories = list(reference["categories"])
        missing = series.isna().to_numpy()
        text = series[~missing].astype(str)
        known = text.isin(categories)
        counts = [float((text == c).sum()) for c in categories]
        counts += [float((~known).sum()), float(missing.sum())]
        return np.asarray(counts) / n
    edges = np.asarray(reference["edges"], dtype=float)
    x = _numeric(series)
    missing = ~np.isfinite(x)
    index = np.searchsorted(edges, x[~missing], side="right")
    binned = np.bincount(index, minlength=len(edges) + 1).astype(float)
    return np.append(binned, float(missing.sum())) / n


def psi(
    reference: Mapping[str, Any], values: Sequence[Any] | pd.Series | npt.NDArray[Any]
) -> float:
    """The population stability index of `values` against a stored reference."""
    expected = np.clip(np.asarray(reference["shares"], dtype=float), FLOOR, None)
    actual = np.clip(shares(reference, values), FLOOR, None)
    if expected.shape != actual.shape:
        raise ValueError("the reference and today's bins differ")
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def level_of(value: float | None) -> str | None:
    """The warning level a PSI calls for: YELLOW above the warning bound, else none."""
    return "YELLOW" if value is not None and value > WARN else None


def verdict(value: float | None) -> str:
    """STABLE, WATCH or SHIFTED (or NO_DATA)."""
    if value is None:
        return "NO_DATA"
    if value > WARN:
        return "SHIFTED"
    return "WATCH" if value > WATCH else "STABLE"


def drift_reference(
    scores: Sequence[float] | npt.NDArray[Any],
    features: pd.DataFrame,
    *,
    importance: Mapping[str, float] | None = None,
    top: int = TOP_FEATURES,
    window: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What a model card keeps to measure drift later: the score's reference and that of its
    `top` most important features (by `importance`, else in column order)."""
    ranked = list(features.columns)
    if importance:
        ranked.sort(key=lambda f: -float(importance.get(f, 0.0)))
    chosen = ranked[:top]
    return {
        "score": reference_of(np.asarray(scores, dtype=float)),
        "features": {f: reference_of(features[f]) for f in chosen},
        "window": dict(window or {}),
    }


def scorecard_importance(card: Any, x: pd.DataFrame) -> dict[str, float]:
    """How much each scorecard feature moves the score on `x`: the spread (standard deviation)
    of its points. Works for any binning that maps a column to points."""
    scale = float(card.scaling.factor)
    out: dict[str, float] = {}
    for i, binning in enumerate(card.binnings):
        column = (
            x[binning.feature] if binning.feature in x.columns else pd.Series([np.nan] * len(x))
        )
        woe = binning.woe_of_index(binning.bin_index(column.reset_index(drop=True)))
        out[binning.feature] = float(np.std(scale * card.coefficients[i] * np.asarray(woe)))
    return out


def scorecard_reference(
    card: Any, x: pd.DataFrame, *, window: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The drift reference of a scorecard on its training rows `x` (indicator columns)."""
    frame = x.reindex(columns=card.features)
    scored = card.score(frame.reset_index(drop=True), reasons=0)
    return drift_reference(
        scored["score"].to_numpy(dtype=float),
        frame,
        importance=scorecard_importance(card, frame),
        window=window,
    )


def drift_report(
    reference: Mapping[str, Any], scores: Sequence[float], features: pd.DataFrame
) -> dict[str, Any]:
    """PSI of the score and of each referenced feature today, with verdicts and the level."""
    n = len(scores)
    score_psi = psi(reference["score"], list(scores)) if n else None
    feats: list[dict[str, Any]] = []
    for name, ref in dict(reference.get("features", {})).items():
        column = pd.Series(features[name]) if name in features.columns else pd.Series([None] * n)
        value = psi(ref, column) if n else None
        feats.append({"feature": name, "psi": value, "verdict": verdict(value)})
    values = [v for v in [score_psi, *(f["psi"] for f in feats)] if v is not None]
    worst = max(values) if values else None
    return {
        "n": n,
        "score_psi": score_psi,
        "score_verdict": verdict(score_psi),
        "features": feats,
        "max_psi": worst,
        "level": level_of(worst),
    }


__all__ = [
    "WARN",
    "WATCH",
    "drift_reference",
    "drift_report",
    "level_of",
    "psi",
    "reference_of",
    "scorecard_importance",
    "scorecard_reference",
    "shares",
    "verdict",
]
