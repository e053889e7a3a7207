"""Sliding-window limits on failures (logins, one-time codes), counted in the database.

An attempt is written before it is judged and counted with the ones before it, so parallel
guesses each count: at most `limit` of them are ever judged in a window, however many arrive
at once. A success takes its own row back; failures stay until they leave the window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models import LoginAttempt


async def admit(key: str, *, limit: int, window: timedelta) -> tuple[bool, int]:
    """Write an attempt for `key`; (whether it is within the limit, its row id)."""
    now = datetime.now(UTC)
    row = await LoginAttempt.create(key=key, at=now)
    # attempts arriving at the same moment count against each other: when too many race,
    # all may be refused, never all admitted
    within = await LoginAttempt.filter(key=key, at__gt=now - window).count()
    return within <= limit, row.id


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


async def forget(key: str) -> None:
    """Forget every attempt of `key` (after a success that clears the slate)."""
    await LoginAttempt.filter(key=key).delete()


async def prune(*, older_than: timedelta) -> int:
    """Delete attempts older than any window; the number deleted."""
    return await LoginAttempt.filter(at__lte=datetime.now(UTC) - older_than).delete()


__all__ = ["admit", "failures", "forget", "prune", "record_failure", "withdraw"]
