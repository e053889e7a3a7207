"""Optimal binning with optbinning: bins that maximise the information value under constraints.

optbinning (constraint programming, seeded and single-threaded, so deterministic) chooses the
bins among at most `prebins` pre-bins (split points of a decision tree, its default) under the
same limits the quantile engine enforces greedily: at
least `min_bin_share` of the rows and `min_bin_events` bads and goods per bin, at most
`max_bins`, and a monotonic bad rate (numeric: `monotonic_trend`; categorical: categories in
order of bad rate). optbinning decides only where the bins are: the counts are re-read here and
the WoE comes from `woe_table` (smoothed, small missing and special bins neutral), so both
engines share one convention and one file format.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.scoring.woe_table import (
    OTHER,
    Binning,
    BinningError,
    BinningOptions,
    IntArray,
    finish_binning,
)

_SOLVED = ("OPTIMAL", "FEASIBLE")


def _optimal_binning(name: str, dtype: str, trend: str, options: BinningOptions) -> Any:
    from optbinning import OptimalBinning  # heavy import: only when fitting

    return OptimalBinning(
        name=name,
        dtype=dtype,
        solver="cp",
        monotonic_trend=trend,
        max_n_prebins=options.prebins,
        min_prebin_size=min(0.5 / options.prebins, options.min_bin_share),
        min_bin_size=options.min_bin_share,
        max_n_bins=options.max_bins,
        min_bin_n_event=options.min_bin_events,
        min_bin_n_nonevent=options.min_bin_events,
    )


def _solve(model: Any, x: npt.NDArray[Any], y: IntArray) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y)
    if model.status not in _SOLVED:
        raise BinningError(f"no binning meets the constraints ({model.status.lower()})")
    return model


def _counts(idx: IntArray, y: IntArray, n_bins: int) -> tuple[list[int], list[int]]:
    counts = np.bincount(idx, minlength=n_bins).astype(int).tolist()
    bads = np.bincount(idx, weights=y, minlength=n_bins).astype(int).tolist()
    return counts, bads


def bin_numeric_optimal(
    feature: str, values: pd.Series, y: npt.ArrayLike, options: BinningOptions
) -> Binning:
    """Left-closed bins [a, b) from optbinning; special codes and missing values apart."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    yy = np.asarray(y, dtype=np.int64)
    finite = np.isfinite(x)
    specials = sorted({float(v) for v in options.special_codes})
    special = finite & np.isin(x, np.asarray(specials, dtype=float))
    regular = finite & ~special
    xs, ys = x[regular], yy[regular]
    if xs.size == 0 or np.unique(xs).size < 2:
        raise BinningError("constant")
    model = _solve(_optimal_binning(feature, "numerical", options.monotonic_trend, options), xs, ys)
    edges = [float(v) for v in model.splits]
    idx = np.searchsorted(np.asarray(edges, dtype=float), xs, side="right").astype(np.int64)
    counts, bads = _counts(idx, ys, len(edges) + 1)
    return finish_binning(
        feature, "numeric", counts, bads, yy[~finite], options.min_bin_share * len(x),
        special_bads=yy[special], edges=edges, closed="left", specials=specials,
    )  # fmt: skip


def bin_categorical_optimal(
    feature: str, values: pd.Series, y: npt.ArrayLike, options: BinningOptions
) -> Binning:
    """Groups of categories from optbinning; categories rarer than `rare_share` of the rows
    (and categories never seen) are one category, "other", that takes part like any other."""
    yy = np.asarray(y, dtype=np.int64)
    as_str = values.astype(str).str.strip()
    missing = (values.isna() | (as_str == "")).to_numpy()
    cats = as_str[~missing].to_numpy(dtype=object)
    ys = yy[~missing]
    names, freq = np.unique(cats, return_counts=True)
    if names.size < 2:
        raise BinningError("constant")
    rare = set(names[freq < options.rare_share * len(values)].tolist())
    coded = np.asarray([OTHER if c in rare else c for c in cats], dtype=object)
    model = _solve(_optimal_binning(feature, "categorical", "ascending", options), coded, ys)
    groups = [[str(c) for c in split] for split in model.splits]
    lookup = {c: i for i, g in enumerate(groups) for c in g}
    idx = np.asarray([lookup[c] for c in coded], dtype=np.int64)
    counts, bads = _counts(idx, ys, len(groups))
    # without rare categories there is no "other" bin and unseen values are scored neutral
    other_bin = lookup.get(OTHER)
    if other_bin is not None:
        named = [c for c in groups[other_bin] if c != OTHER]
        groups[other_bin] = [OTHER, *named, *sorted(rare)]
    return finish_binning(
        feature, "categorical", counts, bads, yy[missing], options.min_bin_share * len(values),
        groups=groups, other_bin=other_bin,
    )  # fmt: skip
