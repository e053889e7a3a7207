"""The scheduler forgets login attempts and sessions that no limit or check needs any more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models import LoginAttempt


async def test_the_scheduler_prunes_every_hour(db: str) -> None:
    from actors.scheduler import PRUNE_TICK_SECONDS, start_scheduler

    scheduler = start_scheduler(interval=3600)
    try:
        job = scheduler.get_job("prune-sessions")
        assert job is not None
        assert job.trigger.interval == timedelta(seconds=PRUNE_TICK_SECONDS)
    finally:
        scheduler.shutdown(wait=False)


async def test_a_prune_tick_forgets_only_old_attempts(db: str) -> None:
    from actors.scheduler import PRUNE_ATTEMPTS_AFTER, _prune_tick

    now = datetime.now(UTC)
    await LoginAttempt.create(key="acct:old@bank.cn", at=now - PRUNE_ATTEMPTS_AFTER * 2)
    await LoginAttempt.create(key="acct:new@bank.cn", at=now - timedelta(minutes=1))

    await _prune_tick()

    assert await LoginAttempt.all().values_list("key", flat=True) == ["acct:new@bank.cn"]
