"""Live feeds for subscriptions: replay from the database, then go live, with no gap.

The order matters: subscribe to live notices first, then replay from the database, then
drain live notices, skipping those the replay already returned. A warning committed while the
replay runs is either in the replay or in the live queue, never in neither. When the pub/sub
connection drops and comes back (SubscriptionGap), notices sent meanwhile never arrive: the
feed replays again from its cursor, the live stream being already back.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import AsyncGenerator, Mapping
from itertools import islice
from typing import Any

from db.models import LoanApplication, RiskWarning, WarningLevel
from domain.accounts.principal import Principal
from domain.errors import NotFound
from domain.messaging.publisher import Publisher, SubscriptionGap, current_publisher
from domain.messaging.topics import Topic
from domain.monitoring.rules import at_least
from domain.monitoring.warnings import levels_at_least, visible_warnings

REPLAY_PAGE = 200
# live duplicates (a notice sent twice after a dispatcher crash) are caught within this window
RECENT = 4096
# after a gap, replay from the oldest of this many last delivered: a warning with a lower id
# than one delivered may commit after it
GAP_WINDOW = 256


async def subscribe_warnings(
    *,
    principal: Principal,
    after_id: int | None = None,
    min_level: WarningLevel | str | None = None,
    enterprise_id: int | None = None,
    publisher: Publisher | None = None,
) -> AsyncGenerator[RiskWarning, None]:
    """Warnings the caller may see: with `after_id`, every one raised since, then live ones.

    Raises FORBIDDEN when an applicant asks for another enterprise; ends with SubscriptionLost
    when the live stream breaks (the client reconnects with its last cursor). When the stream
    is back after a break it could not report, replays what it may have missed.
    """
    if enterprise_id is not None:
        principal.require_enterprise(enterprise_id)
    sub = await (publisher or current_publisher()).subscribe({Topic.WARNING})
    try:
        recent: deque[int] = deque(maxlen=RECENT)
        seen: set[int] = set()
        # every warning after it is this feed's to deliver (without a cursor: from now on)
        floor = after_id if after_id is not None else await _newest_id()
        if after_id is not None:
            async for warning in _replay(principal, after_id, min_level, enterprise_id):
                seen.add(warning.id)
                recent.append(warning.id)
                yield warning
        while True:
            try:
                notice = await sub.get()
            except SubscriptionGap:
                start = _gap_start(floor, recent)
                async for warning in _replay(principal, start, min_level, enterprise_id):
                    if warning.id not in seen and warning.id not in recent:
                        recent.append(warning.id)
                        yield warning
                continue
            wid = _warning_id(notice.payload)
            if (
                wid is None
                or wid in seen
                or wid in recent
                or (after_id is not None and wid <= after_id)
            ):
                continue
            if not _notice_matches(notice.payload, principal, min_level, enterprise_id):
                continue
            live = await _visible_warning(principal, wid, min_level, enterprise_id)
            if live is None:
                continue
            recent.append(wid)
            yield live
    finally:
        await sub.close()


async def _replay(
    principal: Principal,
    after_id: int,
    min_level: WarningLevel | str | None,
    enterprise_id: int | None,
) -> AsyncGenerator[RiskWarning, None]:
    """Every visible warning after `after_id` in id order, read a page at a time."""
    query = visible_warnings(principal).filter(level__in=levels_at_least(min_level))
    if enterprise_id is not None:
        query = query.filter(enterprise_id=enterprise_id)
    cursor = after_id
    while True:
        rows = await query.filter(id__gt=cursor).order_by("id").limit(REPLAY_PAGE)
        for warning in rows:
            yield warning
        if len(rows) < REPLAY_PAGE:
            break
        cursor = rows[-1].id


async def _newest_id() -> int:
    """The newest warning's id now (0 when none)."""
    newest = await RiskWarning.all().order_by("-id").only("id").first()
    return newest.id if newest is not None else 0


def _gap_start(floor: int, recent: deque[int]) -> int:
    """Where to replay from after a gap: the oldest of the last GAP_WINDOW warnings
    delivered (those since are skipped when already delivered), never before the floor."""
    window = list(islice(reversed(recent), GAP_WINDOW))
    return max(floor, min(window)) if window else floor


def _warning_id(payload: Mapping[str, Any]) -> int | None:
    """The warning id a notice announces, or None when it carries none."""
    try:
        return int(payload["warning_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _notice_matches(
    payload: Mapping[str, Any],
    principal: Principal,
    min_level: WarningLevel | str | None,
    enterprise_id: int | None,
) -> bool:
    """Whether the notice's own enterprise and level pass the filters and the caller may see
    that enterprise (cheap: no row read)."""
    announced = payload.get("enterprise_id")
    if isinstance(announced, int) and not principal.can_see_enterprise(announced):
        return False
    if enterprise_id is not None and announced not in (None, enterprise_id):
        return False
    level = payload.get("level")
    return level is None or at_least(str(level), min_level)


async def _visible_warning(
    principal: Principal,
    wid: int,
    min_level: WarningLevel | str | None,
    enterprise_id: int | None,
) -> RiskWarning | None:
    """The stored warning if the caller may see it and it passes the filters, else None.

    An applicant's read is filtered in the database by what it may see (it never reads another
    enterprise's warning). Staff may see every warning: their subscribers of this process share
    one read per warning (`_shared_read`), filtered here, so a warning announced to fifty staff
    subscribers of one replica costs one query, not fifty queued on its connection pool.
    """
    if not principal.is_staff:
        query = visible_warnings(principal).filter(id=wid, level__in=levels_at_least(min_level))
        if enterprise_id is not None:
            query = query.filter(enterprise_id=enterprise_id)
        return await query.first()
    warning = await _shared_read(wid)
    if warning is None or str(warning.level) not in levels_at_least(min_level):
        return None
    if enterprise_id is not None and warning.enterprise_id != enterprise_id:  # type: ignore[attr-defined]
        return None
    return warning


# per event loop: warning id -> (when the read started, the read), kept SHARED_READ_S seconds
_reads: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[int, tuple[float, asyncio.Future[RiskWarning | None]]]
] = weakref.WeakKeyDictionary()
SHARED_READ_S = 2.0


async def _shared_read(wid: int) -> RiskWarning | None:
    """The stored warning `wid`, read once for all the subscribers of this process that are
    told about it within SHARED_READ_S seconds (a failed or empty read is not kept)."""
    loop = asyncio.get_running_loop()
    reads = _reads.setdefault(loop, {})
    now = time.monotonic()
    for key in [k for k, (at, _) in reads.items() if now - at > SHARED_READ_S]:
        del reads[key]
    found = reads.get(wid)
    future: asyncio.Future[RiskWarning | None]
    if found is None:
        future = asyncio.ensure_future(RiskWarning.get_or_none(id=wid))
        reads[wid] = (now, future)
    else:
        future = found[1]
    try:
        warning = await asyncio.shield(future)
    except Exception:
        reads.pop(wid, None)
        raise
    if warning is None:
        reads.pop(wid, None)
    return warning


async def subscribe_application_updates(
    *,
    principal: Principal,
    application_id: int,
    include_current: bool = True,
    publisher: Publisher | None = None,
) -> AsyncGenerator[LoanApplication, None]:
    """An application each time its status changes (first as it is now), while visible.

    NOT_FOUND when the application does not exist or belongs to someone else.
    """
    application = await LoanApplication.get_or_none(id=application_id)
    if application is None or not principal.can_see_enterprise(application.enterprise_id):  # type: ignore[attr-defined]
        raise NotFound("no such application", field="id")
    sub = await (publisher or current_publisher()).subscribe({Topic.APPLICATION_UPDATED})
    try:
        current = await LoanApplication.get_or_none(id=application_id)
        if current is None:
            return
        last_version = current.version
        if include_current:
            yield current
        while True:
            try:
                notice = await sub.get()
            except SubscriptionGap:
                pass  # a change may have gone unannounced: read the application again
            else:
                if not _announces(notice.payload, application_id, last_version):
                    continue
            fresh = await LoanApplication.get_or_none(id=application_id)
            if fresh is None or not principal.can_see_enterprise(fresh.enterprise_id):  # type: ignore[attr-defined]
                return
            if fresh.version <= last_version:
                continue
            last_version = fresh.version
            yield fresh
    finally:
        await sub.close()


def _announces(payload: Mapping[str, Any], application_id: int, last_version: int) -> bool:
    """Whether a notice may announce a newer version of the application."""
    try:
        if int(payload["application_id"]) != application_id:
            return False
    except (KeyError, TypeError, ValueError):
        return False
    version = payload.get("version")
    return not (isinstance(version, int) and version <= last_version)
