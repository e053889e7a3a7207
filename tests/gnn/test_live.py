"""The graph in service on a real database: events re-score neighbourhoods, never reload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from db.frames import WorldFrames
from db.models import Event
from domain.monitoring.events import process_event
from domain.monitoring.graph_risk import rescored
from domain.world.generator import generate_world
from domain.world.importer import import_world_rows
from gnn import registry, service
from gnn.khop import global_csr
from gnn.relations import ENTERPRISE
from tests.gnn.conftest import Trained


@pytest.fixture
async def served(
    db: str, data_dir: Path, trained: Trained, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[list[int]]:
    """A generated world in the database and a model in service; counts the world's reads."""
    await import_world_rows(generate_world(enterprises=200, seed=3))
    registry.save_model(trained.model, data_dir, metrics={}, data_hash="0" * 64)
    reads: list[int] = []
    real = service.load_frames

    async def counted() -> WorldFrames:
        reads.append(1)
        return await real()

    monkeypatch.setattr(service, "load_frames", counted)
    service.invalidate()
    yield reads
    service.invalidate()


def _busiest(state: service.Loaded) -> str:
    bundle = state.graph.bundle
    csr = global_csr(bundle)
    lo = csr.offsets[ENTERPRISE]
    degree = np.diff(csr.indptr)[lo : lo + bundle.num_nodes(ENTERPRISE)]
    return str(bundle.ids[ENTERPRISE][int(np.argmax(degree))])


async def _news(uscc: str, n: int, first: int = 0) -> list[str]:
    ids = [f"news-{uscc}-{i}" for i in range(first, first + n)]
    for event_id in ids:
        await Event.create(
            event_id=event_id, uscc=uscc, occurred_at=datetime.now(UTC), type="dishonest_listed",
            payload={}, source="api",
        )  # fmt: skip
    return ids


async def test_an_event_moves_graph_risk_without_a_reload(served: list[int]) -> None:
    state = await service.loaded()
    uscc = _busiest(state)
    before = dict(state.risk)
    seen = [before[uscc]]
    for i in range(3):
        [event_id] = await _news(uscc, 1, first=i)
        assert (await process_event(event_id=event_id)).processed
        await rescored()
        assert state.updates == i + 1 and state.risk_of(uscc) not in seen
        seen.append(state.risk[uscc])
    assert await service.loaded() is state and len(served) == 1
    moved = {u for u in before if state.risk[u] != before[u]}
    assert uscc in moved and len(moved) < len(before)
    assert state.graph.score_map() == pytest.approx(state.risk)
    # a full rebuild from the database, the news included, scores every firm the same
    service.invalidate()
    rebuilt = await service.loaded()
    assert len(served) == 2
    assert rebuilt.risk == pytest.approx(state.risk, abs=1e-5)


async def test_a_firm_the_graph_does_not_know_changes_nothing(served: list[int]) -> None:
    state = await service.loaded()
    assert await service.refresh_enterprises(["91000000000000000X"]) == {}
    assert state.updates == 0 and len(served) == 1


async def test_without_a_loaded_graph_events_load_nothing(served: list[int]) -> None:
    uscc = str(generate_world(enterprises=200, seed=3)["enterprises"][0]["uscc"])
    [event_id] = await _news(uscc, 1)
    assert (await process_event(event_id=event_id)).processed
    assert served == []


async def test_a_rebuild_keeps_the_updates_made_while_it_ran(
    served: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = await service.loaded()
    uscc = _busiest(state)
    gate, done = asyncio.Event(), asyncio.Event()
    read = service.load_frames

    async def slow() -> WorldFrames:
        frames = await read()  # read before the news below
        done.set()
        await gate.wait()
        return frames

    monkeypatch.setattr(service, "load_frames", slow)
    state.loaded_at -= service.REFRESH_SECONDS + 1
    assert await service.loaded() is state
    await asyncio.wait_for(done.wait(), 30)  # the rebuild has read the world
    [event_id] = await _news(uscc, 1)
    await process_event(event_id=event_id)
    await rescored()
    updated = state.risk_of(uscc)
    gate.set()
    await service.refreshed()
    fresh = await service.loaded()
    assert fresh is not state and len(served) == 2
    assert fresh.risk_of(uscc) == pytest.approx(updated, abs=1e-6)
    assert fresh.risk == pytest.approx(state.risk, abs=1e-5)
