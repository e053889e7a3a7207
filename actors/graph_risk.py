"""Actors that need the graph model (torch), on their own queue.

torch is imported inside the calls (through gnn.service), never when this module is imported,
so a worker that does not consume the "gnn" queue never loads it.
"""

from __future__ import annotations

import asyncio

from actors.broker import BATCH_PRIORITY, GNN_QUEUE, declare
from domain.messaging.topics import Topic

# a contagion message that finds a pass running in its process comes back this much later
# (the pass has usually taken it along by then); it never holds a worker thread meanwhile
CONTAGION_AGAIN_MS = 2_000


def in_worker_thread_loop() -> bool:
    """Whether this coroutine runs on the event loop of this process's Dramatiq worker threads
    (where a waiting message holds a worker thread), not on an app's own loop."""
    from dramatiq.asyncio import get_event_loop_thread

    thread = get_event_loop_thread()
    return thread is not None and thread.loop is asyncio.get_running_loop()


async def do_run_contagion(warning_id: int) -> None:
    """Raise contagion warnings on borrowers exposed to a RED or ORANGE warning, in a pass with
    the other sources waiting for one (domain.monitoring.contagion)."""
    from domain.monitoring.contagion import run_contagion_turn

    raised = await run_contagion_turn(warning_id=warning_id, wait=not in_worker_thread_loop())
    if raised is None:  # a pass is running here: this message is looked at again later
        await asyncio.to_thread(
            run_contagion.send_with_options, args=(warning_id,), delay=CONTAGION_AGAIN_MS
        )


async def do_score_graph_risk() -> None:
    """Score every borrower's graph risk and judge it."""
    from domain.monitoring.graph_risk import refresh_graph_risk

    await refresh_graph_risk()


run_contagion = declare(
    do_run_contagion, name=Topic.RUN_CONTAGION.value, queue=GNN_QUEUE, time_limit_ms=1_800_000,
    priority=BATCH_PRIORITY,
)  # fmt: skip
score_graph_risk = declare(
    do_score_graph_risk, name="score_graph_risk", queue=GNN_QUEUE, time_limit_ms=1_800_000,
    priority=BATCH_PRIORITY,
)  # fmt: skip
