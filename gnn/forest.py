"""Boosted trees rewritten over the columns and split values they use, walked on byte codes.

A fitted `HistGradientBoostingClassifier` sends a value left at a split when `x <= t` (a NaN
goes where the split says missing values go). Per column the trees use a few distinct split
values `u_0 < ... < u_m-1`; coding a value as the number of them below it (`searchsorted`,
left) gives `x <= u_j` exactly when `code(x) <= j`. So the trees, with every split rewritten to
its column's position among the columns they read and its value's rank among that column's
split values, walk the byte codes to the same leaves as `predict_proba` walks the float64
values, and sum the same leaf values in the same order: the same probabilities. The design
matrix needs only the columns the trees read, and coding them searches a few dozen values
instead of the binner's 255 edges.

It reads the fitted estimator's internals (`_predictors`, `_baseline_prediction`) and
scikit-learn's compiled binning and tree walk; where those differ (another version,
categorical features, several trees per iteration) `Forest.of` is None and the caller takes
`predict_proba`.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier

# the code of a missing value; split values per column stay below it
MISSING = 255
# rows coded and walked through every tree at once: a block's codes stay in cache
BLOCK_ROWS = 16_384
T = TypeVar("T")
U = TypeVar("U")
# compiled forests by estimator, with the fitted trees they were compiled from
_COMPILED: weakref.WeakKeyDictionary[object, tuple[object, Forest | None]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class Forest:
    """The trees of one boosted model over the design columns they read."""

    columns: np.ndarray
    splits: list[np.ndarray]
    trees: list[object]
    baseline: float

    @classmethod
    def of(cls, est: object) -> Forest | None:
        """The rewritten trees of a fitted binary boosted classifier, None where not possible
        (kept with the estimator while its fitted trees are the same)."""
        if not isinstance(est, HistGradientBoostingClassifier):
            return None
        fitted = getattr(est, "_predictors", None)
        known = _COMPILED.get(est)
        if known is not None and known[0] is fitted:
            return known[1]
        out = cls._compile(est)
        _COMPILED[est] = (fitted, out)
        return out

    @classmethod
    def _compile(cls, est: HistGradientBoostingClassifier) -> Forest | None:
        try:
            from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

            if est.is_categorical_ is not None or est.n_trees_per_iteration_ != 1:
                return None
            nodes = [tree.nodes for (tree,) in est._predictors]
            baseline = float(np.ravel(est._baseline_prediction)[0])
            inner = [n[n["is_leaf"] == 0] for n in nodes]
            feature = np.concatenate([n["feature_idx"] for n in inner]).astype(np.int64)
            value = np.concatenate([n["num_threshold"] for n in inner]).astype(np.float64)
            columns = np.unique(feature)
            splits = [np.unique(value[feature == c]) for c in columns]
            if any(len(s) >= MISSING for s in splits) or np.isnan(value).any():
                return None
            trees = [
                TreePredictor(_rewrite(n, columns, splits), tree.binned_left_cat_bitsets,
                              tree.raw_left_cat_bitsets)
                for n, (tree,) in zip(nodes, est._predictors, strict=True)
            ]  # fmt: skip
        except (AttributeError, TypeError, ValueError, ImportError):
            return None
        return cls(columns, splits, trees, baseline)

    def codes(self, cols: np.ndarray, threads: int) -> np.ndarray:
        """Byte codes (column-major) of `cols`, float64 values of `columns` in that order."""
        from sklearn.ensemble._hist_gradient_boosting._binning import _map_to_bins

        values = np.asarray(cols, dtype=np.float64)
        if values.shape[1] != len(self.columns):
            raise ValueError(f"expected {len(self.columns)} columns, got {values.shape[1]}")
        out = np.empty(values.shape, dtype=np.uint8, order="F")
        flags = np.zeros(len(self.columns), dtype=np.uint8)
        _map_to_bins(values, self.splits, flags, MISSING, threads, out)
        return out

    def raw(self, codes: np.ndarray, threads: int) -> np.ndarray:
        """Sum of the baseline and every tree's leaf value (float64), in the trees' order."""
        raw = np.full(len(codes), self.baseline, dtype=np.float64)
        for tree in self.trees:
            raw += tree.predict_binned(codes, MISSING, threads)  # type: ignore[attr-defined]
        return raw

    def proba(self, cols: np.ndarray, workers: int = 1) -> np.ndarray:
        """Probabilities of the positive class (`predict_proba(x)[:, 1]`) of `cols`, float64
        values of `columns` in that order; blocks of rows go to `workers` threads."""

        def block(rows: slice) -> np.ndarray:
            return self.raw(self.codes(cols[rows], 1), 1)

        pieces = [slice(lo, lo + BLOCK_ROWS) for lo in range(0, len(cols), BLOCK_ROWS)]
        raw = np.concatenate(in_threads(block, pieces, workers)) if pieces else np.zeros(0)
        return np.asarray(expit(raw), dtype=np.float64)


def cpu_workers() -> int:
    """Threads for the tabular part of whole-graph scoring: every core this process may use."""
    return max(len(os.sched_getaffinity(0)), 1) if hasattr(os, "sched_getaffinity") else 1


def in_threads(fn: Callable[[T], U], items: Sequence[T], workers: int) -> list[U]:
    """`[fn(i) for i in items]`, on `workers` threads where there are several items.

    For work that leaves the interpreter lock (compiled loops, sparse products) and runs one
    thread each: no OpenMP team waits at a barrier per tree for a thread the scheduler has
    put aside on a busy machine.
    """
    if workers <= 1 or len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


def _rewrite(nodes: np.ndarray, columns: np.ndarray, splits: list[np.ndarray]) -> np.ndarray:
    """A tree's nodes splitting on code columns and split ranks instead of the binner's."""
    out = nodes.copy()
    inner = out["is_leaf"] == 0
    position = np.searchsorted(columns, out["feature_idx"][inner])
    out["feature_idx"][inner] = position
    out["feature_idx"][~inner] = 0
    out["bin_threshold"][inner] = [
        np.searchsorted(splits[p], t)
        for p, t in zip(position, out["num_threshold"][inner], strict=True)
    ]
    return out
