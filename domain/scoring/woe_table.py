"""The WoE table of one feature: its bins, their counts and weights of evidence.

Convention (the industry one): WoE = ln(share of goods in the bin / share of bads in the bin),
so a positive WoE means a safer-than-average bin. Counts are smoothed by half an observation
so an all-good or all-bad bin gets a large but finite WoE.

Besides the regular bins a feature has a missing bin and, when special codes were given (e.g.
-999 for "not reported"), a special bin. Numeric bins are right-closed, (a, b], for tables of
the quantile engine and left-closed, [a, b), for those of the optimal engine (`closed`); a
table written before `closed` existed is right-closed, and the new fields appear in `to_dict`
only when used, so older model files keep their content hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
    """How to bin: the engine, pre-bins, minimum bin share, maximum bins, rare-category share.

    `method` "optimal" (optbinning: bins that maximise the information value under the size,
    event and monotonic-trend constraints) or "quantile" (the greedy merging of quantile pre-bins
    used before). `monotonic_trend` is optbinning's for numeric columns ("auto_asc_desc": rising
    or falling, whichever fits). `special_codes`: numeric values scored in a bin of their own.
    """

    method: str = "optimal"
    monotonic_trend: str = "auto_asc_desc"
    special_codes: tuple[float, ...] = ()
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
    closed: str = "right"  # numeric: "right" (a, b] or "left" [a, b)
    specials: list[float] = field(default_factory=list)  # numeric: codes with a bin of their own
    special_woe: float = 0.0
    special_count: int = 0
    special_bads: int = 0

    @property
    def n_bins(self) -> int:
        """Bins excluding the missing bin."""
        return len(self.woe)

    def bin_index(self, values: pd.Series) -> IntArray:
        """Bin index per value: -1 missing, -2 unseen category without a home, -3 special."""
        if self.kind == "numeric":
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            side: Literal["left", "right"] = "left" if self.closed == "right" else "right"
            idx = np.searchsorted(np.asarray(self.edges, dtype=float), x, side=side)
            idx = idx.astype(np.int64)
            idx[~np.isfinite(x)] = -1
            if self.specials:
                idx[np.isin(x, np.asarray(self.specials, dtype=float))] = -3
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
        table = np.asarray([*self.woe, self.missing_woe, 0.0, self.special_woe], dtype=float)
        # -1 -> missing (n_bins), -2 -> neutral (n_bins + 1), -3 -> special (n_bins + 2)
        pos = np.where(idx >= 0, idx, self.n_bins - 1 - idx)
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
        if index == -3:
            return "special value (" + ", ".join(_fmt(v) for v in self.specials) + ")"
        if self.kind == "numeric":
            return self._interval(index)
        if index == self.other_bin:
            named = [c for c in self.groups[index] if c != OTHER]
            return "other" if not named else ", ".join(named) + ", other"
        return ", ".join(self.groups[index])

    def _interval(self, index: int) -> str:
        lo = self.edges[index - 1] if index > 0 else None
        hi = self.edges[index] if index < len(self.edges) else None
        left = self.closed == "left"
        if lo is None and hi is None:
            return "any value"
        if lo is None:
            return f"{'<' if left else '<='} {_fmt(hi)}"
        if hi is None:
            return f"{'>=' if left else '>'} {_fmt(lo)}"
        return f"[{_fmt(lo)}, {_fmt(hi)})" if left else f"({_fmt(lo)}, {_fmt(hi)}]"

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
            **self._new_fields(),
        }

    def _new_fields(self) -> dict[str, Any]:
        """Fields added later, written only when used (older files keep their content hash)."""
        out: dict[str, Any] = {}
        if self.closed != "right":
            out["closed"] = self.closed
        if self.specials:
            out.update(
                specials=self.specials, special_woe=self.special_woe,
                special_count=self.special_count, special_bads=self.special_bads,
            )  # fmt: skip
        return out

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
            closed=str(data.get("closed", "right")),
            specials=[float(v) for v in data.get("specials", [])],
            special_woe=float(data.get("special_woe", 0.0)),
            special_count=int(data.get("special_count", 0)),
            special_bads=int(data.get("special_bads", 0)),
        )


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.4g}"


def woe_iv(
    counts: IntArray, bads: IntArray, sides: list[tuple[int, int]], min_count: float
) -> tuple[FloatArray, list[float], float]:
    """Smoothed WoE of each regular bin and of each side bin (missing, special: count and bads),
    and the information value.

    A side bin smaller than `min_count` is scored neutral (WoE 0) and left out of the shares:
    a handful of missing or special values says too little to earn or cost points.
    """
    kept = [not 0 < c < min_count for c, _ in sides]
    used = [cb for cb, keep in zip(sides, kept, strict=True) if keep]
    all_counts = np.append(counts, [c for c, _ in used]).astype(float)
    all_bads = np.append(bads, [b for _, b in used]).astype(float)
    goods = all_counts - all_bads
    present = all_counts > 0
    k = int(present.sum())
    total_bad, total_good = all_bads.sum(), goods.sum()
    dist_bad = (all_bads + SMOOTHING) / (total_bad + SMOOTHING * k)
    dist_good = (goods + SMOOTHING) / (total_good + SMOOTHING * k)
    woe = np.log(dist_good / dist_bad)
    woe[~present] = 0.0
    iv = float(np.sum(((dist_good - dist_bad) * woe)[present]))
    used_woe = iter(woe[len(counts) :].tolist())
    side_woe = [float(next(used_woe)) if keep else 0.0 for keep in kept]
    return woe[: len(counts)], side_woe, iv


def bad_rates(counts: list[int], bads: list[int]) -> list[float]:
    """The bad rate of each bin (0 for an empty bin)."""
    return [b / c if c else 0.0 for c, b in zip(counts, bads, strict=True)]


def finish_binning(
    feature: str,
    kind: str,
    counts: list[int],
    bads: list[int],
    missing_bads: IntArray,
    min_count: float,
    special_bads: IntArray | None = None,
    **layout: Any,
) -> Binning:
    """The Binning of final bins: WoE and IV from their counts and the labels of the rows with
    no value (`missing_bads`, 0/1) and with a special code (`special_bads`); `layout` is edges
    or groups (and `closed`, `specials`)."""
    special = np.zeros(0, dtype=np.int64) if special_bads is None else special_bads
    missing_count, missing_bad = int(missing_bads.size), int(missing_bads.sum())
    special_count, special_bad = int(special.size), int(special.sum())
    woe, (missing_woe, special_woe), iv = woe_iv(
        np.asarray(counts), np.asarray(bads),
        [(missing_count, missing_bad), (special_count, special_bad)], min_count,
    )  # fmt: skip
    return Binning(
        feature=feature,
        kind=kind,
        woe=woe.tolist(),
        counts=counts,
        bads=bads,
        missing_woe=missing_woe,
        missing_count=missing_count,
        missing_bads=missing_bad,
        iv=iv,
        special_woe=special_woe,
        special_count=special_count,
        special_bads=special_bad,
        **layout,
    )
