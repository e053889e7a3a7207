"""Keeping indicator snapshots fresh: after an import, after each event, before a decision.

- After an import, every enterprise's snapshot is recomputed as of the import, in the
  background: `queue_refresh(None)` writes one `refresh_snapshots` message; its actor computes
  one chunk of enterprises (in id order) and queues the next chunk, logging its progress, so no
  message runs long and decisions interleave with the walk.
- After an event, the snapshots of the enterprise and of its neighbours (whose network
  indicators count neighbours with events) are recomputed by the same actor; a firm whose
  snapshot was computed after the refresh was asked for is skipped. A refresh that has work
  to do takes along every other firm whose recent event is still newer than its snapshot
  (at most `JOINED_FIRMS`, oldest first), with their neighbours, and computes them together:
  one neighbourhood read and one pass of the indicators cost about 200 ms for one firm and
  about 15 ms a firm for fifty, so a burst of events costs a few batches instead of one
  full computation each; the messages of the firms taken along then find them fresh.
  One such pass runs at a time in an event loop: a message that comes while it runs hands its
  firms to it and returns (it never holds a worker thread waiting), and the pass takes them
  before it ends. A pass that starts first waits `settle_s` (the worker's actor: 2 s,
  `IPCREDIT_REFRESH_SETTLE`; its own thread waits, one per process) for the events right
  behind its own: at a steady trickle of events every pass would otherwise pay the fixed cost
  for one firm's neighbourhood. It computes `EVENT_CHUNK` firms at a time and awaits the
  caller's `pause` between chunks (the worker's actor lets an event's own warnings and the
  decisions under way go first there). Firms
  handed over and not yet computed when the process stops are still newer than their
  snapshots: the next refresh after an event takes them along, and a decision recomputes a
  stale snapshot anyway.
- Before a decision, `ensure_fresh_snapshot` recomputes the applicant's snapshot from its
  neighbourhood when it has none, when the latest is older than `FRESH_FOR` or of another
  registry version, or when an event about the firm arrived after it was computed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import Enterprise, Event, IndicatorSnapshot, OutboxMessage
from db.neighbourhood import KeyReader
from domain.indicators.registry import version as registry_version
from domain.indicators.service import (
    SNAPSHOT_CHUNK,
    compute_and_store_snapshots,
    latest_snapshot_row,
)
from domain.loops import PerLoop
from domain.messaging import outbox
from domain.messaging.topics import Topic

log = logging.getLogger("ipcredit.indicators")

FRESH_FOR = timedelta(hours=24)  # a snapshot older than this is recomputed before a decision
NEIGHBOUR_KINDS = ("guarantee", "supply", "shareholding")
RECENT_EVENTS = 3000  # how far back a refresh after an event looks for others to take along
JOINED_FIRMS = 200  # at most this many firms taken along (a few seconds of work)
EVENT_CHUNK = 25  # firms computed together after events between two pauses
Progress = Callable[[int, int], None]
Pause = Callable[[], Awaitable[None]]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


async def queue_refresh(
    usccs: Sequence[str] | None,
    *,
    neighbours: bool = False,
    conn: BaseDBAsyncClient | None = None,
    now: datetime | None = None,
) -> bool:
    """Ask for a background refresh of these enterprises' snapshots (None: every enterprise),
    also of their neighbours when `neighbours`; in the caller's transaction when `conn` is
    given (then the caller calls `outbox.notify()` after committing). False when the same
    refresh is already waiting to be sent."""
    asked = _iso(now or datetime.now(UTC))
    wanted = None if usccs is None else sorted({str(u) for u in usccs})
    key = "all" if wanted is None else ("+" if neighbours else "") + ",".join(wanted)
    if len(key) <= 64:  # a key that names the whole refresh: the same one may be waiting
        waiting = OutboxMessage.filter(
            topic=Topic.REFRESH_SNAPSHOTS, key=key, published_at__isnull=True
        )
        if await (waiting if conn is None else waiting.using_db(conn)).exists():
            return False
    key = key[:64]
    payload = {"usccs": wanted, "neighbours": neighbours, "after": None, "asked_at": asked}
    await OutboxMessage.create(
        topic=Topic.REFRESH_SNAPSHOTS, key=key, payload=payload, using_db=conn
    )
    if conn is None:
        outbox.notify()
    return True


async def refresh_step(
    usccs: list[str] | None,
    neighbours: bool,
    after: int | None,
    asked_at: str | None,
    *,
    pause: Pause | None = None,
    settle_s: float = 0.0,
) -> int:
    """What one `refresh_snapshots` message does; returns the number of snapshots stored.

    Listed enterprises (and their neighbours): recomputed as of now, except those whose
    snapshot was computed after `asked_at`; after an event, in the pass of this event loop
    (see the module's notes), which first waits `settle_s` for more firms, `pause()` awaited
    between chunks. Every enterprise (`usccs` None): the next chunk after enterprise id
    `after`, as of `asked_at`, then the rest is queued.
    """
    asked = datetime.fromisoformat(asked_at) if asked_at else datetime.now(UTC)
    if usccs is not None and neighbours:
        return await _after_events(usccs, asked, pause, settle_s)
    if usccs is not None:
        stale = await _not_refreshed_since(sorted(set(usccs)), asked)
        return await _computed([u for u in stale if not _covered(u, asked)])
    batch = (
        await Enterprise.filter(id__gt=after or 0)
        .order_by("id")
        .limit(SNAPSHOT_CHUNK)
        .values_list("id", "uscc")
    )
    if not batch:
        return 0
    stored = await compute_and_store_snapshots(as_of=asked, usccs=[str(u) for _, u in batch])
    last = int(batch[-1][0])
    done = await Enterprise.filter(id__lte=last).count()
    total = await Enterprise.all().count()
    log.info("indicator snapshots as of %s: %d of %d enterprises", _iso(asked), done, total)
    if done < total:
        payload = {"usccs": None, "neighbours": False, "after": last, "asked_at": _iso(asked)}
        # keyed apart from a new walk's start, which must not wait behind this one
        await OutboxMessage.create(
            topic=Topic.REFRESH_SNAPSHOTS, key=f"all@{last}", payload=payload
        )
        outbox.notify()
    return stored


class _EventPass:
    """The refresh after events running in one event loop, and the firms handed to it."""

    def __init__(self) -> None:
        self.running = False
        self.waiting: dict[str, datetime] = {}  # firm -> latest moment a refresh was asked


_passes: PerLoop[_EventPass] = PerLoop(_EventPass)


async def _after_events(
    usccs: list[str], asked: datetime, pause: Pause | None, settle_s: float
) -> int:
    """Hand the firms to this loop's pass; run it when none runs (after `settle_s`, until
    nothing is handed)."""
    state = _passes.get()
    for uscc in usccs:
        state.waiting[uscc] = max(asked, state.waiting.get(uscc, asked))
    if state.running:
        return 0  # the running pass takes them along before it ends
    state.running = True
    stored = 0
    try:
        if settle_s > 0:
            await asyncio.sleep(settle_s)  # the firms of the events right behind come along
        while state.waiting:
            batch, state.waiting = state.waiting, {}
            try:
                stored += await _event_batch(batch, pause)
            except BaseException:
                for uscc, at in batch.items():  # left for this message's retry
                    state.waiting[uscc] = max(at, state.waiting.get(uscc, at))
                raise
    finally:
        state.running = False
    return stored


async def _event_batch(batch: dict[str, datetime], pause: Pause | None) -> int:
    """Firms after their events, with their neighbours and the other firms waiting."""
    firms = sorted(batch)
    asked = max(batch.values())
    wanted = set(firms) | await neighbours_of(firms)
    stale = {u for u in await _not_refreshed_since(sorted(wanted), asked) if not _covered(u, asked)}
    if not stale:
        return 0
    joined = await waiting_after_events(exclude=wanted | set(_in_flight))
    if joined:
        more = set(joined) | await neighbours_of(joined)
        stale |= {u for u in more if u not in _in_flight}
    todo, stored = sorted(stale), 0
    for i in range(0, len(todo), EVENT_CHUNK):
        if pause is not None:
            await pause()
        stored += await _computed(todo[i : i + EVENT_CHUNK])
    return stored


# firm -> when a computation of its snapshot started in this process (it reads the firm's data
# after that moment): a refresh asked for before then is covered by it
_in_flight: dict[str, datetime] = {}


def _covered(uscc: str, asked: datetime) -> bool:
    started = _in_flight.get(uscc)
    return started is not None and started >= asked


async def _computed(usccs: list[str]) -> int:
    """Compute and store the snapshots of `usccs` as of now, marked in flight meanwhile."""
    if not usccs:
        return 0
    started = datetime.now(UTC)
    mine = {u: started for u in usccs}
    _in_flight.update(mine)
    try:
        return await compute_and_store_snapshots(as_of=started, usccs=usccs)
    finally:
        for uscc, at in mine.items():
            if _in_flight.get(uscc) == at:
                del _in_flight[uscc]


async def waiting_after_events(*, exclude: Collection[str] = ()) -> list[str]:
    """Firms with one of the last `RECENT_EVENTS` processed events newer than their latest
    snapshot (their refresh is queued or running), oldest event first, at most
    `JOINED_FIRMS`; those in `exclude` left out."""
    newest = await Event.all().order_by("-id").first()
    if newest is None:
        return []
    rows = (
        await Event.filter(id__gt=newest.id - RECENT_EVENTS, processed_at__isnull=False)
        .order_by("id")
        .values_list("uscc", "processed_at")
    )
    latest: dict[str, datetime] = {}
    for uscc, at in rows:
        if str(uscc) not in exclude:
            latest[str(uscc)] = at  # in id order: the firm's latest event wins
    if not latest:
        return []
    since = min(latest.values())
    fresh: dict[str, datetime] = {}
    firms = sorted(latest)
    for i in range(0, len(firms), 500):
        found = await IndicatorSnapshot.filter(
            enterprise__uscc__in=firms[i : i + 500], created_at__gte=since
        ).values_list("enterprise__uscc", "created_at")
        for uscc, created in found:
            fresh[str(uscc)] = max(created, fresh.get(str(uscc), created))
    waiting = [u for u in latest if u not in fresh or fresh[u] < latest[u]]
    waiting.sort(key=lambda u: latest[u])
    return waiting[:JOINED_FIRMS]


async def refresh_snapshots(
    *,
    usccs: Sequence[str] | None = None,
    as_of: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Recompute the snapshots of these enterprises (default: all) right here, in chunks of
    their neighbourhoods, calling `progress(done, total)` after each chunk."""
    return await compute_and_store_snapshots(
        as_of=as_of or datetime.now(UTC), usccs=usccs, progress=progress
    )


async def neighbours_of(usccs: Sequence[str]) -> set[str]:
    """Enterprises whose indicators read these enterprises' events: their guarantee, supply
    and shareholding counterparties and the firms sharing an officer with them."""
    reader = KeyReader()
    today = datetime.now(UTC).date()
    own = await reader.relations(list(usccs), today)
    if own.empty:
        return set()
    linked = own[own["kind"].isin(NEIGHBOUR_KINDS)]
    ids = set(linked["src"].astype(str)) | set(linked["dst"].astype(str))
    officers = own[(own["kind"] == "officer") & own["dst"].isin(set(usccs))]
    persons = sorted(set(officers["src"].astype(str)))
    peers = await reader.relations(persons, today, kind="officer", ends="src")
    if not peers.empty:
        ids |= set(peers["dst"].astype(str))
    ids -= set(usccs)
    found = await Enterprise.filter(uscc__in=sorted(ids)).values_list("uscc", flat=True)
    return {str(u) for u in found}


async def _not_refreshed_since(usccs: list[str], asked: datetime) -> list[str]:
    """Those of `usccs` without a snapshot computed at or after `asked`."""
    fresh: set[str] = set()
    for i in range(0, len(usccs), 500):
        chunk = usccs[i : i + 500]
        rows = await IndicatorSnapshot.filter(
            enterprise__uscc__in=chunk, created_at__gte=asked
        ).values_list("enterprise__uscc", flat=True)
        fresh |= {str(u) for u in rows}
    return [u for u in usccs if u not in fresh]


async def snapshot_is_stale(*, enterprise_id: int, uscc: str, now: datetime | None = None) -> bool:
    """True without a snapshot, when the latest is older than `FRESH_FOR` or of another
    registry version, or when an event about the firm arrived after it was computed."""
    now = now or datetime.now(UTC)
    latest = await latest_snapshot_row(enterprise_id)
    if latest is None or latest.registry_version != registry_version():
        return True
    if latest.as_of < now - FRESH_FOR:
        return True
    return await Event.filter(uscc=uscc, received_at__gt=latest.created_at).exists()


async def ensure_fresh_snapshot(*, enterprise: Enterprise, now: datetime | None = None) -> bool:
    """Recompute the enterprise's snapshot as of now when it is stale; True when it was."""
    now = now or datetime.now(UTC)
    if not await snapshot_is_stale(enterprise_id=enterprise.id, uscc=enterprise.uscc, now=now):
        return False
    await compute_and_store_snapshots(as_of=now, usccs=[enterprise.uscc])
    return True
