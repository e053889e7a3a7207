"""Weight-of-evidence binning: numeric and categorical features, each with a missing bin.

Convention (the industry one): WoE = ln(share of goods in the bin / share of bads in the bin),
so a positive WoE means a safer-than-average bin. Counts are smoothed by half an observation
so an all-good or all-bad bin gets a large but finite WoE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

SMOOTHING = 0.5
OTHER = "__other__"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class BinningError(ValueError):
    """A column cannot be binned (constant, identifier-like, unreadable); the message says why."""


@dataclass(frozen=True)
class BinningOptions:
    """How finely to bin: pre-bins, minimum bin share, maximum bins, rare-category share."""

    prebins: int = 20
    min_bin_share: float = 0.05
    max_bins: int = 8
    rare_share: float = 0.02
    max_categories: int = 50
    numeric_share: float = 0.95
    min_bin_events: int = 3


@dataclass
class Binning:
    """The bins of one feature with their WoE; `transform` maps raw values to WoE."""

    feature: str
    kind: str  # "numeric" or "categorical"
    woe: list[float]
    counts: list[int]
    bads: list[int]
    missing_woe: float
    missing_count: int
    missing_bads: int
    iv: float
    edges: list[float] = field(default_factory=list)  # numeric: upper edges, right-closed
    groups: list[list[str]] = field(default_factory=list)  # categorical: categories per bin
    other_bin: int | None = None  # categorical: bin of rare and unseen categories

    @property
    def n_bins(self) -> int:
        """Bins excluding the missing bin."""
        return len(self.woe)

    def bin_index(self, values: pd.Series) -> IntArray:
        """Bin index per value; -1 for the missing bin (and for unseen categories without home)."""
        if self.kind == "numeric":
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            idx = np.searchsorted(np.asarray(self.edges, dtype=float), x, side="left")
            idx = idx.astype(np.int64)
            idx[~np.isfinite(x)] = -1
            return idx
        lookup = {cat: i for i, group in enumerate(self.groups) for cat in group}
        other = -2 if self.other_bin is None else self.other_bin
        missing = values.isna().to_numpy()
        as_str = values.astype(str).str.strip()
        idx = np.array([lookup.get(v, other) for v in as_str], dtype=np.int64)
        idx[missing | (as_str == "").to_numpy()] = -1
        return idx

    def woe_of_index(self, idx: IntArray) -> FloatArray:
        """WoE for bin indices from `bin_index` (unseen categories without a home get 0)."""
        table = np.asarray([*self.woe, self.missing_woe, 0.0], dtype=float)
        # -1 -> missing (position n_bins), -2 -> neutral (position n_bins + 1)
        pos = np.where(idx >= 0, idx, np.where(idx == -1, self.n_bins, self.n_bins + 1))
        return table[pos]

    def transform(self, values: pd.Series) -> FloatArray:
        """WoE of each raw value."""
        return self.woe_of_index(self.bin_index(values))

    def label(self, index: int) -> str:
        """Readable description of a bin (index -1 is the missing bin)."""
        if index == -1:
            return "missing"
        if index == -2:
            return "unseen value"
        if self.kind == "numeric":
            lo = self.edges[index - 1] if index > 0 else None
            hi = self.edges[index] if index < len(self.edges) else None
            if lo is None and hi is None:
                return "any value"
            if lo is None:
                return f"<= {_fmt(hi)}"
            if hi is None:
                return f"> {_fmt(lo)}"
            return f"({_fmt(lo)}, {_fmt(hi)}]"
        if index == self.other_bin:
            named = [c for c in self.groups[index] if c != OTHER]
            return "other" if not named else ", ".join(named) + ", other"
        return ", ".join(self.groups[index])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "feature": self.feature,
            "kind": self.kind,
            "woe": self.woe,
            "counts": self.counts,
            "bads": self.bads,
            "missing_woe": self.missing_woe,
            "missing_count": self.missing_count,
            "missing_bads": self.missing_bads,
            "iv": self.iv,
            "edges": self.edges,
            "groups": self.groups,
            "other_bin": self.other_bin,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Binning:
        """Inverse of `to_dict`."""
        return cls(
            feature=str(data["feature"]),
            kind=str(data["kind"]),
            woe=[float(v) for v in data["woe"]],
            counts=[int(v) for v in data["counts"]],
            bads=[int(v) for v in data["bads"]],
            missing_woe=float(data["missing_woe"]),
            missing_count=int(data["missing_count"]),
            missing_bads=int(data["missing_bads"]),
            iv=float(data["iv"]),
            edges=[float(v) for v in data.get("edges", [])],
            groups=[[str(c) for c in g] for g in data.get("groups", [])],
            other_bin=None if data.get("other_bin") is None else int(data["other_bin"]),
        )


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.4g}"


def _woe_iv(
    counts: IntArray, bads: IntArray, missing_count: int, missing_bads: int, min_count: float
) -> tuple[FloatArray, float, float]:
    """Smoothed WoE of each bin and of the missing bin, and the information value.

    A missing bin smaller than `min_count` is scored neutral (WoE 0): a handful of missing
    values says too little to earn or cost points.
    """
    if 0 < missing_count < min_count:
        woe, _, iv = _woe_iv(counts, bads, 0, 0, 0.0)
        return woe, 0.0, iv
    all_counts = np.append(counts, missing_count).astype(float)
    all_bads = np.append(bads, missing_bads).astype(float)
    goods = all_counts - all_bads
    present = all_counts > 0
    k = int(present.sum())
    total_bad, total_good = all_bads.sum(), goods.sum()
    dist_bad = (all_bads + SMOOTHING) / (total_bad + SMOOTHING * k)
    dist_good = (goods + SMOOTHING) / (total_good + SMOOTHING * k)
    woe = np.log(dist_good / dist_bad)
    woe[~present] = 0.0
    iv = float(np.sum(((dist_good - dist_bad) * woe)[present]))
    return woe[:-1], float(woe[-1]), iv


def _merge(counts: list[int], bads: list[int], edges: list[float], i: int) -> None:
    """Merge bin i with bin i+1 in place (edges are the upper edges between bins)."""
    counts[i] += counts.pop(i + 1)
    bads[i] += bads.pop(i + 1)
    del edges[i]


def _rates(counts: list[int], bads: list[int]) -> list[float]:
    return [b / c if c else 0.0 for c, b in zip(counts, bads, strict=True)]


def classify(values: pd.Series, options: BinningOptions) -> str:
    """'numeric' or 'categorical', or raise BinningError for a column that cannot be used."""
    present = values.dropna()
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        present = present[present.astype(str).str.strip() != ""]
    if present.empty:
        raise BinningError("no values")
    if pd.api.types.is_bool_dtype(values):
        kind = "categorical"
    elif pd.api.types.is_numeric_dtype(values):
        kind = "numeric"
    else:
        numeric = pd.to_numeric(present, errors="coerce")
        kind = "numeric" if numeric.notna().mean() >= options.numeric_share else "categorical"
    if kind == "numeric":
        x = pd.to_numeric(present, errors="coerce")
        x = x[np.isfinite(x.to_numpy(dtype=float))]
        if x.nunique() < 2:
            raise BinningError("constant")
        return kind
    n_unique = present.astype(str).str.strip().nunique()
    if n_unique < 2:
        raise BinningError("constant")
    if n_unique > options.max_categories and n_unique > 0.05 * len(present):
        raise BinningError(f"{n_unique} distinct text values (identifier or free text)")
    return kind


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
    uniq = np.unique(xs)
    if uniq.size <= options.prebins:
        edges_arr = (uniq[:-1] + uniq[1:]) / 2.0
    else:
        qs = np.quantile(xs, np.linspace(0.0, 1.0, options.prebins + 1)[1:-1])
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
    ascending = _trend(xs, ys)
    _make_monotonic(counts, bads, edges, ascending)
    min_count = options.min_bin_share * len(x)
    _enforce_min_share(counts, bads, edges, min_count)
    _enforce_min_events(counts, bads, edges, options.min_bin_events)
    while len(counts) > options.max_bins:
        rates = _rates(counts, bads)
        diffs = [abs(rates[k + 1] - rates[k]) for k in range(len(rates) - 1)]
        _merge(counts, bads, edges, int(np.argmin(diffs)))
    missing_count = int((~finite).sum())
    missing_bads = int(yy[~finite].sum())
    woe, missing_woe, iv = _woe_iv(
        np.asarray(counts), np.asarray(bads), missing_count, missing_bads, min_count
    )
    return Binning(
        feature=feature,
        kind="numeric",
        woe=woe.tolist(),
        counts=counts,
        bads=bads,
        missing_woe=missing_woe,
        missing_count=missing_count,
        missing_bads=missing_bads,
        iv=iv,
        edges=edges,
    )


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
        rates = _rates(counts, bads)
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
        rates = _rates(counts, bads)
        if k == 0:
            _merge(counts, bads, edges, 0)
        elif k == len(counts) - 1:
            _merge(counts, bads, edges, k - 1)
        elif abs(rates[k] - rates[k - 1]) <= abs(rates[k + 1] - rates[k]):
            _merge(counts, bads, edges, k - 1)
        else:
            _merge(counts, bads, edges, k)


def _enforce_min_events(
    counts: list[int], bads: list[int], edges: list[float], min_events: int
) -> None:
    """Merge bins with fewer than `min_events` bads or goods into their closer neighbour."""
    while len(counts) > 1:
        short = [k for k in range(len(counts)) if min(bads[k], counts[k] - bads[k]) < min_events]
        if not short:
            return
        k = min(short, key=lambda j: min(bads[j], counts[j] - bads[j]))
        rates = _rates(counts, bads)
        if k == 0:
            _merge(counts, bads, edges, 0)
        elif k == len(counts) - 1:
            _merge(counts, bads, edges, k - 1)
        elif abs(rates[k] - rates[k - 1]) <= abs(rates[k + 1] - rates[k]):
            _merge(counts, bads, edges, k - 1)
        else:
            _merge(counts, bads, edges, k)


def bin_categorical(
    feature: str, values: pd.Series, y: npt.ArrayLike, options: BinningOptions
) -> Binning:
    """One bin per frequent category, rare ones grouped; bins merged by bad rate until each is
    big enough (share and events) and there are at most max_bins."""
    yy = np.asarray(y, dtype=np.int64)
    as_str = values.astype(str).str.strip()
    missing = (values.isna() | (as_str == "")).to_numpy()
    cats = as_str[~missing]
    ys = yy[~missing]
    if cats.nunique() < 2:
        raise BinningError("constant")
    stats = pd.DataFrame({"cat": cats.to_numpy(), "y": ys}).groupby("cat")["y"].agg(["size", "sum"])
    rare_cut = options.rare_share * len(values)
    frequent = stats[stats["size"] >= rare_cut]
    rare = stats[stats["size"] < rare_cut]
    groups: list[list[str]] = [[str(c)] for c in frequent.index]
    counts = [int(v) for v in frequent["size"]]
    bads = [int(v) for v in frequent["sum"]]
    # rare and unseen categories share one bin, always present so scoring never fails
    groups.append([OTHER, *[str(c) for c in rare.index]])
    counts.append(int(rare["size"].sum()))
    bads.append(int(rare["sum"].sum()))
    order = np.argsort(_rates(counts, bads), kind="stable")
    groups = [groups[i] for i in order]
    counts = [counts[i] for i in order]
    bads = [bads[i] for i in order]
    min_count = options.min_bin_share * len(values)
    while len(counts) > 1:
        # an empty "other" bin is allowed (it only catches unseen values)
        small = [
            k
            for k, c in enumerate(counts)
            if 0 < c and (c < min_count or min(bads[k], c - bads[k]) < options.min_bin_events)
        ]
        if len(counts) <= options.max_bins and not small:
            break
        rates = _rates(counts, bads)
        if small:
            k = min(small, key=lambda j: counts[j])
            left = abs(rates[k] - rates[k - 1]) if k > 0 else math.inf
            right = abs(rates[k + 1] - rates[k]) if k < len(counts) - 1 else math.inf
            j = k - 1 if left <= right else k
        else:
            diffs = [abs(rates[k + 1] - rates[k]) for k in range(len(rates) - 1)]
            j = int(np.argmin(diffs))
        groups[j] = groups[j] + groups.pop(j + 1)
        counts[j] += counts.pop(j + 1)
        bads[j] += bads.pop(j + 1)
    other_bin = next(i for i, g in enumerate(groups) if OTHER in g)
    if counts[other_bin] == 0 and len(counts) > 1:
        # an unseen value says nothing: score it neutral rather than like a real bin
        groups.pop(other_bin)
        counts.pop(other_bin)
        bads.pop(other_bin)
        other_bin_opt: int | None = None
    else:
        other_bin_opt = other_bin
    missing_count = int(missing.sum())
    missing_bads = int(yy[missing].sum())
    woe, missing_woe, iv = _woe_iv(
        np.asarray(counts), np.asarray(bads), missing_count, missing_bads, min_count
    )
    return Binning(
        feature=feature,
        kind="categorical",
        woe=woe.tolist(),
        counts=counts,
        bads=bads,
        missing_woe=missing_woe,
        missing_count=missing_count,
        missing_bads=missing_bads,
        iv=iv,
        groups=groups,
        other_bin=other_bin_opt,
    )


def bin_feature(
    feature: str, values: pd.Series, y: npt.ArrayLike, options: BinningOptions | None = None
) -> Binning:
    """Bin one column, choosing numeric or categorical treatment; BinningError if unusable."""
    opts = options or BinningOptions()
    kind = classify(values, opts)
    if kind == "numeric":
        return bin_numeric(feature, values, y, opts)
    return bin_categorical(feature, values, y, opts)
