"""The graph in service in one process: kept current without a full reload on a request's path.

A `Live` holds the scored graph of one data directory. Once loaded it is only ever replaced
whole: a rebuild (new model version, or scores older than REFRESH_SECONDS) runs in the
background while the old graph keeps serving, and swaps in when done. Events update the old
graph in place in the meantime (`update`: the touched enterprises' event features recounted
from the database, their k-hop neighbourhood re-scored exactly); the enterprises updated while
a rebuild runs are recounted on the new graph before the swap, so none is lost.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np
import pandas as pd

from gnn import features as feat
from gnn.errors import ModelUnavailable
from gnn.incremental import apply_update, recount_events
from gnn.relations import ENTERPRISE
from gnn.scoring import ScoredGraph

log = logging.getLogger("ipcredit.gnn")

REFRESH_SECONDS = 600.0
RETRY_SECONDS = 60.0


@dataclass
class Loaded:
    """A scored graph ready for queries; `risk` is its scores by USCC, kept in step."""

    version: str
    graph: ScoredGraph
    loaded_at: float
    risk: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    updates: int = 0
    # seconds of each step of the full scoring that built this graph
    seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, version: str, graph: ScoredGraph) -> Loaded:
        """A freshly scored graph."""
        return cls(version, graph, time.monotonic(), graph.score_map())

    def risk_of(self, uscc: str) -> float | None:
        """Graph risk of one enterprise (None when it is not in the graph)."""
        return self.risk.get(uscc)


Build = Callable[[], Awaitable[Loaded]]


@dataclass
class Live:
    """The graph in service for one data directory, and its rebuild in progress."""

    current: Loaded | None = None
    task: asyncio.Task[None] | None = None
    pending: set[str] | None = None
    failed_at: float = -math.inf
    builds: int = 0
    # set in a worker process: rebuilds read the database on a thread and connection of their own
    database_url: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stale(self, now: float | None = None) -> bool:
        """Whether the graph is old enough for a rebuild (not retried too soon after a failure)."""
        t = time.monotonic() if now is None else now
        current = self.current
        return (
            current is not None
            and t - current.loaded_at > REFRESH_SECONDS
            and t - self.failed_at > RETRY_SECONDS
        )

    def refreshing(self) -> bool:
        """Whether a rebuild is running."""
        return self.task is not None and not self.task.done()

    def start_refresh(self, build: Build) -> None:
        """Rebuild in the background (once at a time); the current graph serves meanwhile."""
        with self.lock:
            if self.refreshing():
                return
            self.pending = set()
            self.task = asyncio.get_running_loop().create_task(self._refresh(build))

    async def _refresh(self, build: Build) -> None:
        started = time.monotonic()
        try:
            state = await build()
        except ModelUnavailable as exc:
            log.warning("graph model withdrawn: %s", exc.message)
            with self.lock:
                self.current, self.pending = None, None
            return
        except Exception:
            log.exception("rebuilding the graph failed; the graph in service stays")
            with self.lock:
                self.failed_at, self.pending = time.monotonic(), None
            return
        self.builds += 1
        while True:
            with self.lock:
                todo = self.pending or set()
                if not todo:
                    self.current, self.pending = state, None
                    break
                self.pending = set()
            await recount(state, sorted(todo))
        log.info(
            "graph %s rebuilt in the background in %.1f s",
            state.version,
            time.monotonic() - started,
        )

    async def update(self, usccs: list[str]) -> dict[str, float]:
        """Recount the enterprises' event features and re-score their neighbourhoods.

        Returns the new graph risk of every enterprise whose risk moved; {} when no graph is
        loaded here (nothing to keep current).
        """
        with self.lock:
            state = self.current
            if state is None:
                return {}
            if self.pending is not None:
                self.pending.update(usccs)
        return await recount(state, usccs)


async def recount(state: Loaded, usccs: list[str]) -> dict[str, float]:
    """Update one graph from the database's events of these enterprises."""
    wanted = sorted({u for u in usccs if u in state.risk})
    if not wanted:
        return {}
    since = state.graph.bundle.as_of - pd.Timedelta(days=feat.WINDOW_DAYS)
    events = await events_of(wanted, since)
    return await asyncio.to_thread(update_sync, state, events, wanted)


async def events_of(usccs: list[str], since: pd.Timestamp) -> pd.DataFrame:
    """The enterprises' events on or after `since` (naive UTC), as the graph features read them."""
    from db.models import Event

    rows = await Event.filter(
        uscc__in=usccs, occurred_at__gte=since.tz_localize(UTC).to_pydatetime()
    ).values_list("uscc", "type", "occurred_at")
    frame = pd.DataFrame(rows, columns=["uscc", "type", "occurred_at"])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True).dt.tz_localize(None)
    return frame


def update_sync(state: Loaded, events: pd.DataFrame, usccs: list[str]) -> dict[str, float]:
    """Recount and re-score under the graph's lock; the moved risks by USCC."""
    with state.lock:
        graph = state.graph
        rows, x = recount_events(graph.bundle, events, usccs)
        before = graph.bundle.x[ENTERPRISE][rows]
        after = x.astype(np.float32)
        same = (after == before) | (np.isnan(after) & np.isnan(before))
        changed = ~same.all(axis=1)
        if not changed.any():
            return {}
        moved = apply_update(graph, rows[changed], after[changed])
        ids = graph.bundle.ids[ENTERPRISE]
        out = {str(ids[r]): p for r, p in moved.items()}
        state.risk.update(out)
        state.updates += 1
        return out
