"""End-of-day actors: one per business date fans its loans out in chunks, one per chunk.

Chunks run on whichever workers consume the queue; each is one transaction per chunk and
idempotent, so a redelivered or retried message changes nothing, and the last chunk to finish
marks the business day DONE.
"""

from __future__ import annotations

import asyncio
from datetime import date

from actors.broker import BATCH_PRIORITY, DEFAULT_QUEUE, declare
from domain.loanbook import eod


async def do_close_business_day(business_date: str) -> None:
    """Close every serviced loan through `business_date` (missed days first, in order)."""
    day = date.fromisoformat(business_date)
    chunks = await eod.open_day(day)
    if not chunks:
        await eod.finish_day(day)
        return

    def send_all() -> None:
        for ids in chunks:
            close_loan_chunk.send(ids, business_date)

    # a network broker's client blocks: the sends leave the worker's event loop
    await asyncio.to_thread(send_all)


async def do_close_loan_chunk(loan_ids: list[int], business_date: str) -> None:
    """Close one chunk of loans through `business_date`."""
    await eod.close_chunk_and_finish(loan_ids, date.fromisoformat(business_date))


close_business_day = declare(
    do_close_business_day, name="close_business_day", queue=DEFAULT_QUEUE, time_limit_ms=600_000,
    priority=BATCH_PRIORITY,
)  # fmt: skip
close_loan_chunk = declare(
    do_close_loan_chunk, name="close_loan_chunk", queue=DEFAULT_QUEUE, time_limit_ms=600_000,
    priority=BATCH_PRIORITY,
)  # fmt: skip
