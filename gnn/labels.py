"""Default labels and the train/test split that respects time.

With dated defaults and a world ending at E: the test graph is as of C = E - 12 months with
labels "default in [C, E)"; training uses graphs as of dates before C with labels that end at C,
so nothing the model learns from happens after the cutoff. Without dates a stratified held-out
set of enterprises is used, and `SplitPlan.kind` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from db.frames import WorldFrames
from gnn.errors import InvalidGraphInput

HORIZON_MONTHS = 12
MIN_POSITIVES = 3


@dataclass(frozen=True)
class Snapshot:
    """A graph date and the end of its label window (labels: default in [as_of, label_end))."""

    as_of: pd.Timestamp
    label_end: pd.Timestamp

    def describe(self) -> dict[str, str]:
        """JSON-ready dates."""
        return {
            "as_of": self.as_of.date().isoformat(),
            "label_end": self.label_end.date().isoformat(),
        }


@dataclass(frozen=True)
class SplitPlan:
    """Training snapshots (the first is the primary one) and the test snapshot."""

    kind: str
    train: tuple[Snapshot, ...]
    test: Snapshot
    note: str = ""
    dated: bool = True

    def describe(self) -> dict[str, Any]:
        """JSON-ready description for reports."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "train": [s.describe() for s in self.train],
            "test": self.test.describe(),
            "labels": "default in [as_of, label_end)" if self.dated else "defaulted by the end",
        }
        if self.note:
            out["note"] = self.note
        return out


def outcomes_of(frames: WorldFrames) -> pd.DataFrame:
    """The outcomes frame, one row per enterprise; InvalidGraphInput when there are none."""
    oc = frames.outcomes.dropna(subset=["uscc"]).drop_duplicates("uscc", keep="last")
    if oc.empty:
        raise InvalidGraphInput("the world has no outcomes to learn from", field="outcomes")
    if not oc["defaulted"].any():
        raise InvalidGraphInput("the outcomes contain no default", field="outcomes")
    return oc.assign(uscc=oc["uscc"].astype(str))


def labels(
    outcomes: pd.DataFrame, usccs: pd.Index, snap: Snapshot, *, dated: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(rows eligible at snap.as_of, their 0/1 labels) for enterprises in `usccs` order."""
    oc = outcomes.set_index("uscc").reindex(usccs)
    known = oc["defaulted"].notna().to_numpy()
    defaulted = oc["defaulted"].fillna(False).astype(bool).to_numpy()
    if not dated:
        rows = np.flatnonzero(known)
        return rows, defaulted[rows].astype(np.float32)
    when = oc["default_date"].to_numpy()
    before = defaulted & ~pd.isna(when) & (when < np.datetime64(snap.as_of))
    inside = (
        defaulted
        & ~pd.isna(when)
        & (when >= np.datetime64(snap.as_of))
        & (when < np.datetime64(snap.label_end))
    )
    rows = np.flatnonzero(known & ~before)
    return rows, inside[rows].astype(np.float32)


def _count(outcomes: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> int:
    d = outcomes.loc[outcomes["defaulted"], "default_date"]
    return int(((d >= lo) & (d < hi)).sum())


def plan_split(frames: WorldFrames, *, extra_snapshots: int = 2) -> SplitPlan:
    """The time split when defaults are dated and both windows have defaults, else stratified.

    `extra_snapshots` adds training graphs between the start and the cutoff (labels still end at
    the cutoff) so the model sees firms whose neighbours had already defaulted.
    """
    oc = outcomes_of(frames)
    end = pd.Timestamp(oc["as_of"].max()) if oc["as_of"].notna().any() else None
    months = pd.DateOffset(months=HORIZON_MONTHS)
    dated = bool(oc.loc[oc["defaulted"], "default_date"].notna().all())
    if end is not None and dated:
        cutoff = end - months
        start = cutoff - months
        if _count(oc, start, cutoff) >= MIN_POSITIVES and _count(oc, cutoff, end) >= MIN_POSITIVES:
            step = (cutoff - start) / (extra_snapshots + 1)
            train = [Snapshot(start, cutoff)]
            for k in range(1, extra_snapshots + 1):
                train.append(Snapshot((start + k * step).normalize(), cutoff))
            return SplitPlan("time", tuple(train), Snapshot(cutoff, end))
    first = oc["default_date"].min()
    if pd.notna(first):
        as_of = pd.Timestamp(first)
    elif end is not None:
        as_of = end - months
    else:
        as_of = pd.Timestamp("today").normalize()
    horizon = end if end is not None else as_of + months
    snap = Snapshot(as_of, horizon)
    why = "defaults are not dated" if not dated else "too few defaults in a time window"
    return SplitPlan(
        "stratified",
        (snap,),
        snap,
        note=f"{why}: stratified held-out enterprises, graph as of the first default",
        dated=dated,
    )
