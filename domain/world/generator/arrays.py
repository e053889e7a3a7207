"""Array types and vectorised helpers of the world generator: weighted draws, ranks, rounding."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


def sigmoid(x: Any) -> F64:
    """The logistic function."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64))))


def pick(rng: np.random.Generator, probs: F64) -> I64:
    """One category per row of a (rows, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.asarray((cum < u[:, None]).sum(axis=1), dtype=np.int64)


def rank_within(groups: I64, order_key: Any = None) -> I64:
    """0-based position of each row within its group (stable, by `order_key` when given)."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = (groups,) if order_key is None else (order_key, groups)
    order = np.lexsort(keys)
    g = groups[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    out = np.empty(n, dtype=np.int64)
    out[order] = pos
    return out


def unique_ints(x: I64) -> I64:
    """Sorted distinct values (a plain sort, faster than hashing for large arrays)."""
    s = np.sort(x)
    return np.asarray(s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s, dtype=np.int64)


def round_to(x: Any, step: float) -> F64:
    """Round money to a multiple of `step` (at least one step)."""
    return np.asarray(np.maximum(step, np.round(np.asarray(x, dtype=np.float64) / step) * step))


def segments(sorted_groups: I64, n_groups: int) -> tuple[I64, I64]:
    """Start and end index of each group in an array sorted by group."""
    starts = np.searchsorted(sorted_groups, np.arange(n_groups), side="left")
    ends = np.searchsorted(sorted_groups, np.arange(n_groups), side="right")
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def weighted_pick(rng: np.random.Generator, cands: I64, weight: F64, group: I64, want: I64) -> I64:
    """For each entry of `want` (a group id, -1 for any), a candidate drawn by weight."""
    order = np.argsort(group, kind="stable")
    c, w, g = cands[order], weight[order], group[order]
    cum = np.cumsum(w)
    out = c[np.minimum(np.searchsorted(cum, rng.random(len(want)) * cum[-1], "right"), len(c) - 1)]
    n_groups = int(g.max()) + 1
    starts, ends = segments(g, n_groups)
    local = want >= 0
    wl = want[local]
    lo = np.where(starts[wl] > 0, cum[np.maximum(starts[wl] - 1, 0)], 0.0)
    hi = np.where(ends[wl] > 0, cum[np.maximum(ends[wl] - 1, 0)], 0.0)
    ok = ends[wl] > starts[wl]
    u = lo + rng.random(len(wl)) * (hi - lo)
    idx = np.minimum(np.searchsorted(cum, u, "right"), len(c) - 1)
    sub = out[local]
    sub[ok] = c[idx[ok]]
    out[local] = sub
    return np.asarray(out, dtype=np.int64)
