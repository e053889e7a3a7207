"""The scheduler queues the retries of applications waiting for outside data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.models import ApplicationStatus, LoanApplication, OutboxMessage
from tests.domain.lending_fixtures import make_lending_world, submitted


async def test_the_scheduler_runs_a_data_retry_job_every_few_seconds(db: str) -> None:
    from actors.scheduler import RETRY_TICK_SECONDS, start_scheduler

    scheduler = start_scheduler(interval=3600)
    try:
        job = scheduler.get_job("data-retries")
        assert job is not None
        assert job.trigger.interval == timedelta(seconds=RETRY_TICK_SECONDS)
    finally:
        scheduler.shutdown(wait=False)


async def test_a_retry_tick_queues_a_due_assessment(db: str, data_dir: Path) -> None:
    from actors.scheduler import _retry_tick

    world = await make_lending_world()
    application = await submitted(world)
    await LoanApplication.filter(id=application.id).update(
        status=ApplicationStatus.WAITING_FOR_DATA,
        data_attempts=1,
        data_retry_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    before = await OutboxMessage.filter(topic="assess_application").count()

    await _retry_tick()

    assert await OutboxMessage.filter(topic="assess_application").count() == before + 1
    assert (await LoanApplication.get(id=application.id)).data_retry_at is None
