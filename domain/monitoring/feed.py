"""Live feeds for subscriptions: replay from the database, then go live, with no gap.

The order matters: subscribe to live notices first, then replay from the database, then
drain live notices, skipping those the replay already returned. A warning committed while the
replay runs is either in the replay or in the live queue, never in neither.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from db.models import LoanApplication, RiskWarning, WarningLevel
from domain.accounts.principal import Principal
from domain.errors import NotFound
from domain.messaging.publisher import Publisher, current_publisher
from domain.messaging.topics import Topic
from domain.monitoring.rules import at_least
from domain.monitoring.warnings import levels_at_least, visible_warnings

REPLAY_PAGE = 200
# live duplicates (a notice sent twice after a dispatcher crash) are caught within this window
RECENT = 4096


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
    when the live stream breaks (the client reconnects with its last cursor).
    """
    if enterprise_id is not None:
        principal.require_enterprise(enterprise_id)
    sub = await (publisher or current_publisher()).subscribe({Topic.WARNING})
    try:
        recent: deque[int] = deque(maxlen=RECENT)
        seen: set[int] = set()
        if after_id is not None:
            async for warning in _replay(principal, after_id, min_level, enterprise_id):
                seen.add(warning.id)
                yield warning
        while True:
            notice = await sub.get()
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
            notice = await sub.get()
            try:
                if int(notice.payload["application_id"]) != application_id:
                    continue
            except (KeyError, TypeError, ValueError):
                continue
            version = notice.payload.get("version")
            if isinstance(version, int) and version <= last_version:
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
