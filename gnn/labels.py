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
MIN_TEST_DEFAULTS = 30
MAX_EARLIER_YEARS = 4
# a training year with this many defaults gets no mid-year snapshots (see `plan_split`)
PLENTY_OF_DEFAULTS = 1500


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


def _test_window(
    oc: pd.DataFrame,
    end: pd.Timestamp,
    test_from: pd.Timestamp | None,
    test_to: pd.Timestamp | None,
) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The test window [cutoff, test_end) and how it was chosen.

    Given `test_from` (and maybe `test_to`), those dates. Otherwise the latest 12-month window
    ending at the world's end; on a long history whose last year has fewer than
    `MIN_TEST_DEFAULTS` defaults, the latest earlier yearly window that has them (the window
    moves back a year at a time, never before the first two years of defaults).
    """
    months = pd.DateOffset(months=HORIZON_MONTHS)
    if test_from is not None:
        test_end = min(test_to if test_to is not None else test_from + months, end)
        if not test_from < test_end:
            raise InvalidGraphInput(
                "the test window is empty: --test-from must come before --test-to and the "
                f"world's end ({end.date().isoformat()})",
                field="testFrom",
            )
        return test_from, test_end, "given"
    cutoff, test_end = end - months, end
    first = oc.loc[oc["defaulted"], "default_date"].min()
    if pd.isna(first):
        return cutoff, test_end, "latest year"
    candidate = cutoff
    while candidate - 2 * months >= pd.Timestamp(first):
        if _count(oc, candidate, candidate + months) >= MIN_TEST_DEFAULTS:
            break
        candidate = candidate - months
    if _count(oc, candidate, candidate + months) >= MIN_TEST_DEFAULTS and candidate != cutoff:
        return candidate, candidate + months, "latest year with enough defaults"
    return cutoff, test_end, "latest year"


def _train_snapshots(
    oc: pd.DataFrame, cutoff: pd.Timestamp, extra_snapshots: int
) -> list[Snapshot]:
    """The year before the cutoff (its start first, then `extra_snapshots` later dates, labels
    ending at the cutoff), then up to `MAX_EARLIER_YEARS` earlier yearly windows of 12-month
    labels that hold at least `MIN_POSITIVES` defaults each."""
    months = pd.DateOffset(months=HORIZON_MONTHS)
    start = cutoff - months
    step = (cutoff - start) / (extra_snapshots + 1)
    train = [Snapshot(start, cutoff)]
    for k in range(1, extra_snapshots + 1):
        train.append(Snapshot((start + k * step).normalize(), cutoff))
    for k in range(1, MAX_EARLIER_YEARS + 1):
        t = start - k * months
        if _count(oc, t, t + months) >= MIN_POSITIVES:
            train.append(Snapshot(t, t + months))
    return train


def plan_split(
    frames: WorldFrames,
    *,
    extra_snapshots: int = 2,
    test_from: pd.Timestamp | None = None,
    test_to: pd.Timestamp | None = None,
) -> SplitPlan:
    """The time split when defaults are dated and both windows have defaults, else stratified.

    `extra_snapshots` adds training graphs between the start and the cutoff (labels still end at
    the cutoff) so the model sees firms whose neighbours had already defaulted. `test_from` /
    `test_to` set the test window; without them it is chosen automatically (`_test_window`).
    Long histories add earlier yearly training windows (`_train_snapshots`).

    The later dates' labels cover less than a year, not the question the test asks; they pay
    where a year has few defaults and cost accuracy (and each a full graph per epoch) where it
    has many, so a year with `PLENTY_OF_DEFAULTS` gets none (docs/gnn.md, "Mid-year snapshots").
    """
    oc = outcomes_of(frames)
    end = pd.Timestamp(oc["as_of"].max()) if oc["as_of"].notna().any() else None
    months = pd.DateOffset(months=HORIZON_MONTHS)
    dated = bool(oc.loc[oc["defaulted"], "default_date"].notna().all())
    if (test_from is not None or test_to is not None) and (end is None or not dated):
        raise InvalidGraphInput("a test window needs dated defaults and an outcomes date")
    if test_to is not None and test_from is None:
        test_from = test_to - months
    if end is not None and dated:
        cutoff, test_end, how = _test_window(oc, end, test_from, test_to)
        year = _count(oc, cutoff - months, cutoff)
        mid_year = extra_snapshots if year < PLENTY_OF_DEFAULTS else 0
        train = _train_snapshots(oc, cutoff, mid_year)
        note = how
        if mid_year < extra_snapshots:
            note += f"; no mid-year snapshots: {year} defaults in the training year"
        if year >= MIN_POSITIVES and _count(oc, cutoff, test_end) >= MIN_POSITIVES:
            return SplitPlan("time", tuple(train), Snapshot(cutoff, test_end), note=note)
        if how == "given":
            raise InvalidGraphInput(
                f"the test window or the year before it has fewer than {MIN_POSITIVES} defaults",
                field="testFrom",
            )
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
