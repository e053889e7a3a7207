"""Urgent work first in one event loop: derived work waits while an event's warnings are raised
or an application is decided.

Every actor of a worker process shares one event loop (and one interpreter lock), so a chunk of
derived work (an indicator refresh, a contagion pass, a graph re-scoring) that starts while an
event is being processed, or an application assessed, slows that warning or decision down.
`urgent()` marks the processing of an event and the assessment of an application;
`yield_to_urgent()`, called by derived work between its chunks, returns at once within
a slice of `SLICE_S` of derived work, else once no event has been processed for `QUIET_S`, or
after `MAX_WAIT_S` at most, so derived work always goes on (at a lower rate while events keep
arriving).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from domain.loops import PerLoop

QUIET_S = 0.05  # no event processed for this long: derived work may take its next chunk
MAX_WAIT_S = 5.0  # ... and never waits longer than this for its next chunk
SLICE_S = 0.1  # derived work this long since its last wait goes on without waiting


class _Gate:
    """The events being processed in one event loop, and when the last one ended."""

    def __init__(self) -> None:
        self.running = 0
        self.last_end = -float("inf")
        self.changed = asyncio.Event()
        self.slice_start = -float("inf")


_gates: PerLoop[_Gate] = PerLoop(_Gate)


@asynccontextmanager
async def urgent() -> AsyncIterator[None]:
    """Mark urgent work (processing an event, assessing an application) for the block."""
    gate = _gates.get()
    gate.running += 1
    try:
        yield
    finally:
        gate.running -= 1
        gate.last_end = time.monotonic()
        gate.changed.set()


def busy() -> bool:
    """Whether urgent work runs now or ended less than `QUIET_S` ago in this event loop."""
    gate = _gates.peek()
    if gate is None:
        return False
    return gate.running > 0 or time.monotonic() - gate.last_end < QUIET_S


async def yield_to_urgent(max_wait_s: float = MAX_WAIT_S) -> None:
    """Let waiting callbacks run, then wait while urgent work goes on (at most `max_wait_s`)."""
    await asyncio.sleep(0)
    gate = _gates.peek()
    if gate is None or time.monotonic() - gate.slice_start < SLICE_S:
        return
    await _quiet(gate, time.monotonic() + max_wait_s)
    gate.slice_start = time.monotonic()


async def _quiet(gate: _Gate, deadline: float) -> None:
    """Until no urgent work has run for `QUIET_S`, or the deadline."""
    while busy():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        gate.changed.clear()
        if gate.running == 0:
            wait = min(left, QUIET_S - (time.monotonic() - gate.last_end))
            await asyncio.sleep(max(wait, 0.001))
            continue
        try:
            await asyncio.wait_for(gate.changed.wait(), timeout=left)
        except TimeoutError:
            return
