"""Numeric binning: quantile pre-bins merged until the bad rate is monotonic and bins are big."""

from __future__ import annotations

from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.scoring.woe_merge import merge_closest_pairs, merge_into_closer
from domain.scoring.woe_table import (
    Binning,
    BinningError,
    BinningOptions,
    FloatArray,
    IntArray,
    bad_rates,
    finish_binning,
)


def bin_numeric(
    feature: str, values: pd.Series, y: npt.ArrayLike, options: BinningOptions
) -> Binning:
    """Quantile pre-bins merged until the bad rate is monotonic, every bin holds at least
    `min_bin_share` of the rows and `min_bin_events` bads and goods, and at most `max_bins`."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    yy = np.asarray(y, dtype=np.int64)
    finite = np.isfinite(x)
    xs, ys = x[finite], yy[finite]
    if xs.size == 0 or np.unique(xs).size < 2:
        raise BinningError("constant")
    counts, bads, edges = _prebins(xs, ys, options.prebins)
    ascending = _trend(xs, ys)
    _make_monotonic(counts, bads, edges, ascending)
    min_count = options.min_bin_share * len(x)
    _enforce_min_share(counts, bads, edges, min_count)
    _enforce_min_events(counts, bads, edges, options.min_bin_events)
    merge_closest_pairs(counts, bads, options.max_bins, partial(_merge, counts, bads, edges))
    return finish_binning(feature, "numeric", counts, bads, yy[~finite], min_count, edges=edges)


def _prebins(
    xs: FloatArray, ys: IntArray, prebins: int
) -> tuple[list[int], list[int], list[float]]:
    """Counts, bads and upper edges of at most `prebins` quantile bins, none of them empty."""
    uniq = np.unique(xs)
    if uniq.size <= prebins:
        edges_arr = (uniq[:-1] + uniq[1:]) / 2.0
    else:
        qs = np.quantile(xs, np.linspace(0.0, 1.0, prebins + 1)[1:-1])
        edges_arr = np.unique(qs)
        edges_arr = edges_arr[edges_arr < uniq[-1]]
    idx = np.searchsorted(edges_arr, xs, side="left")
    nb = edges_arr.size + 1
    counts = np.bincount(idx, minlength=nb).astype(int).tolist()
    bads = np.bincount(idx, weights=ys, minlength=nb).astype(int).tolist()
    edges = edges_arr.tolist()
    # drop empty pre-bins (possible with ties at quantiles)
    i = 0
    while i < len(counts):
        if counts[i] == 0 and len(counts) > 1:
            j = i - 1 if i > 0 else i
            _merge(counts, bads, edges, j)
            i = max(j, 0)
        else:
            i += 1
    return counts, bads, edges


def _trend(xs: FloatArray, ys: IntArray) -> bool:
    """True when the bad rate rises with the value (by rank correlation)."""
    if ys.min() == ys.max():
        return True
    rx = pd.Series(xs).rank().to_numpy()
    corr = np.corrcoef(rx, ys)[0, 1]
    return not (np.isfinite(corr) and corr < 0)


def _make_monotonic(counts: list[int], bads: list[int], edges: list[float], asc: bool) -> None:
    """Merge adjacent bins until the bad rate moves one way only."""
    while len(counts) > 1:
        rates = bad_rates(counts, bads)
        violation = next(
            (
                k
                for k in range(len(rates) - 1)
                if (rates[k + 1] < rates[k] if asc else rates[k + 1] > rates[k])
            ),
            None,
        )
        if violation is None:
            return
        _merge(counts, bads, edges, violation)


def _enforce_min_share(
    counts: list[int], bads: list[int], edges: list[float], min_count: float
) -> None:
    """Merge the smallest bin into its closer neighbour (by bad rate) until all are big enough."""
    while len(counts) > 1:
        k = int(np.argmin(counts))
        if counts[k] >= min_count:
            return
        merge_into_closer(counts, bads, k, partial(_merge, counts, bads, edges))


def _enforce_min_events(
    counts: list[int], bads: list[int], edges: list[float], min_events: int
) -> None:
    """Merge bins with fewer than `min_events` bads or goods into their closer neighbour."""
    while len(counts) > 1:
        short = [k for k in range(len(counts)) if min(bads[k], counts[k] - bads[k]) < min_events]
        if not short:
            return
        k = min(short, key=lambda j: min(bads[j], counts[j] - bads[j]))
        merge_into_closer(counts, bads, k, partial(_merge, counts, bads, edges))


def _merge(counts: list[int], bads: list[int], edges: list[float], i: int) -> None:
    """Merge bin i with bin i+1 in place (edges are the upper edges between bins)."""
    counts[i] += counts.pop(i + 1)
    bads[i] += bads.pop(i + 1)
    del edges[i]
