"""Shared pieces of the world generator: the timeline, random streams and array helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

NEVER = 1e9  # a day offset that is never reached


def add_months(d: date, months: int) -> date:
    """The same day `months` later (days past the month's end fall back to its last day)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {d}")


@dataclass
class Ctx:
    """The timeline and random streams of one world.

    Days are counted from the start S (day 0); the timeline is [0, horizon).
    Each stage draws from its own stream so that changing one stage leaves the others' draws
    unchanged.
    """

    seed: int
    start: date
    months: int
    contagion: float
    horizon: int = 0
    s64: np.datetime64 = field(default_factory=lambda: np.datetime64("2024-01-01", "D"))
    _seq: np.random.SeedSequence | None = None

    def __post_init__(self) -> None:
        end = add_months(self.start, self.months)
        self.horizon = (end - self.start).days
        self.s64 = np.datetime64(self.start.isoformat(), "D")
        self._seq = np.random.SeedSequence(self.seed)

    @property
    def end(self) -> date:
        """The end E of the timeline (exclusive)."""
        return add_months(self.start, self.months)

    def rng(self, stage: str) -> np.random.Generator:
        """A generator for one named stage, independent of the other stages."""
        key = [self.seed] + [ord(c) for c in stage]
        return np.random.default_rng(np.random.SeedSequence(key))

    def dates(self, days: Any) -> npt.NDArray[np.datetime64]:
        """Day offsets (float or int, NaN or >= NEVER for none) as datetime64[D], NaT for none."""
        d = np.asarray(days, dtype=np.float64)
        out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        ok = np.isfinite(d) & (d < NEVER / 2)
        out[ok] = self.s64 + np.floor(d[ok]).astype(np.int64)
        return out

    def day_of(self, year: Any, month: Any = 1, day: Any = 1) -> I64:
        """Day offsets of calendar dates given as arrays of year, month and day."""
        y = np.asarray(year, dtype=np.int64)
        m = np.broadcast_to(np.asarray(month, dtype=np.int64), y.shape)
        d = np.broadcast_to(np.asarray(day, dtype=np.int64), y.shape)
        months = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
        first = months.astype("datetime64[D]").astype(np.int64)
        return np.asarray(first + (d - 1) - self.s64.astype(np.int64), dtype=np.int64)

    def years(self, days: Any) -> I64:
        """Calendar years of day offsets."""
        d = self.s64 + np.floor(np.asarray(days, dtype=np.float64)).astype(np.int64)
        return np.asarray(d.astype("datetime64[Y]").astype(np.int64) + 1970)


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


@dataclass
class EventBatch:
    """Events of one type: the firm, the day offset and the payload of each."""

    type: str
    firm: I64
    day: F64
    payloads: list[dict[str, Any]]

    def __post_init__(self) -> None:
        if not (len(self.firm) == len(self.day) == len(self.payloads)):
            raise ValueError(f"{self.type}: firm, day and payloads differ in length")
