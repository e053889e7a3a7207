"""Sliding-window limits on failures (logins, one-time codes), counted in the database.

An attempt is written before it is judged and counted with the ones before it, so parallel
guesses each count: at most `limit` of them are ever judged in a window, however many arrive
at once. A success takes its own row back; failures stay until they leave the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.functions import Count

from db.models import LoginAttempt


async def admit(key: str, *, limit: int, window: timedelta) -> tuple[bool, int]:
    """Write an attempt for `key`; (whether it is within the limit, its row id)."""
    now = datetime.now(UTC)
    row = await LoginAttempt.create(key=key, at=now)
    # attempts arriving at the same moment count against each other: when too many race,
    # all may be refused, never all admitted
    within = await LoginAttempt.filter(key=key, at__gt=now - window).count()
    return within <= limit, row.id


@dataclass(frozen=True)
class Admission:
    """What `admit_all` wrote and counted."""

    within: dict[str, bool]  # per limited key: within its limit
    rows: dict[str, int]  # per limited key: the attempt's row id
    counts: dict[str, int]  # per key (limited and merely counted): attempts in the window

    @property
    def ok(self) -> bool:
        """Within every limit."""
        return all(self.within.values())


async def admit_all(
    limits: Mapping[str, int], *, window: timedelta, count: Sequence[str] = ()
) -> Admission:
    """`admit` for several keys at once, and the window's count of the `count` keys too: one
    INSERT per limited key, each committed before the one grouped count (the login path). Not
    in one transaction: an attempt must be visible to every count made after it was written,
    or two racing guesses could each miss the other."""
    now = datetime.now(UTC)
    rows = {key: (await LoginAttempt.create(key=key, at=now)).id for key in limits}
    keys = [*limits, *count]
    counted = dict(
        await LoginAttempt.filter(key__in=keys, at__gt=now - window)
        .group_by("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    counts = {key: int(counted.get(key, 0)) for key in keys}
    within = {key: counts[key] <= limit for key, limit in limits.items()}
    return Admission(within=within, rows=rows, counts=counts)


async def clear(attempt_ids: Iterable[int] = (), keys: Iterable[str] = ()) -> None:
    """Take back attempts by id and forget every attempt of `keys`, in one DELETE."""
    ids, names = list(attempt_ids), list(keys)
    if ids or names:
        await LoginAttempt.filter(Q(id__in=ids) | Q(key__in=names)).delete()


async def failures(key: str, *, window: timedelta) -> int:
    """Attempts of `key` still in the window."""
    since = datetime.now(UTC) - window
    return await LoginAttempt.filter(key=key, at__gt=since).count()


async def record_failure(key: str) -> None:
    """Count one failure for `key` (one INSERT: parallel failures all count)."""
    await LoginAttempt.create(key=key, at=datetime.now(UTC))


async def withdraw(attempt_id: int) -> None:
    """Take back an attempt that succeeded."""
    await LoginAttempt.filter(id=attempt_id).delete()


async def prune(*, older_than: timedelta) -> int:
    """Delete attempts older than any window; the number deleted."""
    return await LoginAttempt.filter(at__lte=datetime.now(UTC) - older_than).delete()


__all__ = [
    "Admission",
    "admit",
    "admit_all",
    "clear",
    "failures",
    "prune",
    "record_failure",
    "withdraw",
]
