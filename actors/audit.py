"""The periodic audit checkpoint: the bank's key signs the chain's head when it grew.

The scheduler sends this every interval; any number of workers may run it at once: the
checkpoint is claimed under a lock, so one of them signs and the others find it not due.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from actors.broker import BATCH_PRIORITY, DEFAULT_QUEUE, declare

log = logging.getLogger("ipcredit.audit")


async def do_checkpoint_audit_chain(interval_seconds: int) -> None:
    """Sign a checkpoint of the chain's head unless one younger than the interval covers it
    or the chain has not grown since."""
    from domain.audit import create_checkpoint

    row = await create_checkpoint(interval=timedelta(seconds=interval_seconds))
    if row is not None:
        log.info("audit checkpoint %s signed at seq %s", row.id, row.seq)


checkpoint_audit_chain = declare(
    do_checkpoint_audit_chain,
    name="checkpoint_audit_chain",
    queue=DEFAULT_QUEUE,
    time_limit_ms=300_000,
    priority=BATCH_PRIORITY,
)
