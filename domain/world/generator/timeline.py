"""The timeline of a generated world and its random streams, one per stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.world.generator.arrays import I64

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

    def __post_init__(self) -> None:
        end = add_months(self.start, self.months)
        self.horizon = (end - self.start).days
        self.s64 = np.datetime64(self.start.isoformat(), "D")

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
