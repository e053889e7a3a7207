"""The periodic sweep: classify loans (overdue events), then send every borrower for review;
and, every few seconds, the retries of applications waiting for outside data.

Any number of schedulers may run (the app in the embedded default, `ipcredit scheduler` in
production, several for availability): each interval is claimed by one row under a unique
key in the database, so exactly one of them sweeps; each due retry is claimed by a guarded
update of its application, so exactly one of them queues it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.credit.lines import expire_lines
from domain.monitoring.sweep import DEFAULT_BATCH, SweepReport, claim_sweep_slot, sweep_borrowers

log = logging.getLogger("ipcredit.scheduler")
RETRY_TICK_SECONDS = 10  # how often waiting applications are checked for a due retry
PRUNE_TICK_SECONDS = 3600  # how often old login attempts and sessions are forgotten
PRUNE_ATTEMPTS_AFTER = timedelta(hours=1)  # longer than every login limit's window


async def sweep_once(
    *, interval: int, batch_size: int = DEFAULT_BATCH, now: datetime | None = None
) -> SweepReport | None:
    """Sweep unless another scheduler already took this interval; None when it did."""
    from actors.graph_risk import score_graph_risk
    from actors.monitoring import monitor_borrowers

    moment = now or datetime.now(UTC)
    if not await claim_sweep_slot(interval_seconds=interval, now=moment):
        return None
    from actors.loanbook import close_business_day

    # the loan book's end of day through yesterday (missed days first), fanned out to workers:
    # accrual, penalty, days past due, classification, provisions, overdue events
    yesterday = (moment.date() - timedelta(days=1)).isoformat()
    await asyncio.to_thread(close_business_day.send, yesterday)
    await expire_lines(moment.date() - timedelta(days=1))  # lines valid through yesterday end
    # a network broker's client blocks: its sends run in a thread, not on this loop
    report = await sweep_borrowers(
        enqueue=lambda ids: asyncio.to_thread(monitor_borrowers.send, ids), batch_size=batch_size
    )
    await asyncio.to_thread(score_graph_risk.send)
    log.info("sweep sent %s borrowers in %s batches", report.borrowers, report.batches)
    return report


async def _tick(interval: int) -> None:
    try:
        await sweep_once(interval=interval)
    except Exception:
        log.exception("sweep failed")


async def _retry_tick() -> None:
    from domain.decision.waiting import queue_due_retries

    try:
        queued = await queue_due_retries()
    except Exception:
        log.exception("queueing due data retries failed")
        return
    if queued:
        log.info("queued %s applications waiting for outside data", queued)


async def _prune_tick() -> None:
    """Forget login attempts older than every limit's window, and refresh tokens and session
    revocations that can no longer matter (idempotent: any scheduler may run it)."""
    from domain.accounts.sessions import prune_sessions
    from domain.accounts.throttle import prune

    try:
        attempts = await prune(older_than=PRUNE_ATTEMPTS_AFTER)
        sessions = await prune_sessions()
    except Exception:
        log.exception("pruning login attempts and sessions failed")
        return
    if attempts or sessions:
        log.info("pruned %s login attempts and %s session records", attempts, sessions)


async def _audit_checkpoint_tick(interval: int) -> None:
    """Have a worker sign the audit chain's head if it grew since the last checkpoint."""
    from actors.audit import checkpoint_audit_chain

    try:
        await asyncio.to_thread(checkpoint_audit_chain.send, interval)
    except Exception:
        log.exception("queueing the audit checkpoint failed")


def start_scheduler(*, interval: int) -> AsyncIOScheduler:
    """Sweep every `interval` seconds on the running loop (first run one interval from now);
    queue due retries of applications waiting for data every `RETRY_TICK_SECONDS`."""
    scheduler = AsyncIOScheduler(timezone=UTC, event_loop=asyncio.get_running_loop())
    scheduler.add_job(
        _tick, "interval", seconds=interval, args=[interval], id="sweep",
        max_instances=1, coalesce=True, misfire_grace_time=max(1, interval // 2),
    )  # fmt: skip
    tick = min(RETRY_TICK_SECONDS, interval)
    scheduler.add_job(
        _retry_tick, "interval", seconds=tick, id="data-retries",
        max_instances=1, coalesce=True, misfire_grace_time=tick,
    )  # fmt: skip
    scheduler.add_job(
        _prune_tick, "interval", seconds=PRUNE_TICK_SECONDS, id="prune-sessions",
        max_instances=1, coalesce=True, misfire_grace_time=PRUNE_TICK_SECONDS,
    )  # fmt: skip
    from config import settings

    every = settings().audit_checkpoint_interval_seconds
    scheduler.add_job(
        _audit_checkpoint_tick, "interval", seconds=every, args=[every], id="audit-checkpoint",
        max_instances=1, coalesce=True, misfire_grace_time=every,
    )  # fmt: skip
    scheduler.start()
    return scheduler


def run_scheduler(*, interval: int, now: bool = False) -> int:
    """`ipcredit scheduler`: sweep on a timer until SIGTERM or SIGINT."""
    from config import settings
    from db.connection import close_db, init_db

    async def main() -> int:
        await init_db(settings().database_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        scheduler: Any = start_scheduler(interval=interval)
        try:
            if now:
                await _tick(interval)
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            await close_db()
        return 0

    return asyncio.run(main())
