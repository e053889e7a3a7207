"""What a client waits for runs before batch work, and a worker holds no more than it can run:
actor priorities and the worker's prefetch per queue."""

from __future__ import annotations

import pytest
from dramatiq import Broker

from actors.broker import BATCH_PRIORITY, DEFAULT_QUEUE, GNN_QUEUE, URGENT_PRIORITY
from actors.worker import ProcessWorker


def test_decisions_and_events_go_before_batch_work(stub_broker: Broker) -> None:
    actors = {name: stub_broker.get_actor(name) for name in stub_broker.get_declared_actors()}
    urgent = {"assess_application", "process_event"}
    batch = {"refresh_snapshots", "monitor_borrowers", "run_contagion", "score_graph_risk"}
    assert {actors[n].priority for n in urgent} == {URGENT_PRIORITY}
    assert {actors[n].priority for n in batch} == {BATCH_PRIORITY}
    assert URGENT_PRIORITY < BATCH_PRIORITY  # dramatiq runs the lowest first


@pytest.mark.parametrize(
    ("queues", "threads", "gnn_limit"),
    [(None, 8, 4), ([DEFAULT_QUEUE, GNN_QUEUE], 4, 2), ([GNN_QUEUE], 4, None), (None, 1, 1)],
)
def test_a_worker_holds_at_most_its_threads_and_half_of_them_for_assessments(
    stub_broker: Broker, queues: list[str] | None, threads: int, gnn_limit: int | None
) -> None:
    worker = ProcessWorker(stub_broker, queues=queues, threads=threads)
    assert worker.queue_prefetch == threads
    assert worker.prefetch_by_queue.get(GNN_QUEUE) == gnn_limit


async def test_an_assessment_is_urgent_work_for_its_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While an application is assessed, derived work in the same event loop (refresh,
    contagion, re-scoring) waits between its chunks; after it, it goes on."""
    from actors.application import do_assess_application
    from domain.decision import service
    from domain.monitoring import urgency

    seen: list[bool] = []

    async def assess(*, application_id: int) -> None:
        seen.append(urgency.busy())

    monkeypatch.setattr(service, "assess_application", assess)
    monkeypatch.setattr(urgency, "QUIET_S", 0.0)
    await do_assess_application(7)
    assert seen == [True]
    assert not urgency.busy()
