"""Actors that need the graph model (torch), on their own queue.

torch is imported inside the calls (through gnn.service), never when this module is imported,
so a worker that does not consume the "gnn" queue never loads it.
"""

from __future__ import annotations

from actors.broker import BATCH_PRIORITY, GNN_QUEUE, declare
from domain.messaging.topics import Topic


async def do_run_contagion(warning_id: int) -> None:
    """Raise contagion warnings on borrowers exposed to a RED or ORANGE warning."""
    from domain.monitoring.contagion import run_contagion as contagion

    await contagion(warning_id=warning_id)


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
