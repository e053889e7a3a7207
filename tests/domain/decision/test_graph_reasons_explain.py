"""The graph driver from a real (small) graph model in service: the counterparty named is the
neighbour whose removal lowers the enterprise's graph risk most, and asking twice gives the
same answer; an enterprise the model cannot explain gives UNAVAILABLE, not an error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.frames import WorldFrames
from domain.decision.graph_reasons import driver_reason, explain_driver
from gnn import registry, service
from gnn.evaluate import prepare
from gnn.labels import plan_split
from gnn.train import TrainOptions, train_graph_model
from tests.gnn.worlds import synthetic_frames


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Iterator[WorldFrames]:
    """A contagious synthetic world with a graph model trained on it and in service."""
    frames = synthetic_frames(240, seed=11, contagion=2.5)
    train, _test = prepare(frames, plan_split(frames))
    model = train_graph_model(train, TrainOptions(epochs=30, patience=30, seed=0)).model
    registry.save_model(model, data_dir, metrics={}, data_hash="0" * 64)

    async def load() -> WorldFrames:
        return frames

    monkeypatch.setattr(service, "load_frames", load)
    service.invalidate()
    yield frames
    service.invalidate()


async def test_the_driver_is_the_neighbour_whose_removal_lowers_risk_most(
    world: WorldFrames,
) -> None:
    risks = await service.score_all()
    riskiest = sorted(risks, key=risks.__getitem__, reverse=True)[:5]
    found = 0
    for uscc in riskiest:
        driver = await explain_driver(uscc)
        expl, _ = await service.explain(uscc=uscc)
        assert driver.model_version == expl.model_version
        assert await explain_driver(uscc) == driver  # deterministic
        raising = [c for c in expl.neighbours if c.delta >= 0.005]
        if not raising:
            assert driver.counterparty is None
            continue
        found += 1
        top = max(raising, key=lambda c: c.delta)
        assert driver.status == "FOUND" and driver.counterparty is not None
        assert (driver.counterparty.id, driver.relation) == (top.node_id, top.relation)
        assert driver.delta == pytest.approx(top.delta, abs=1e-6)
        reason = driver_reason(driver)
        assert reason is not None and reason.public_description is not None
        assert top.node_id not in reason.public_description
        assert top.node_id in reason.description
    assert found > 0, "no risky enterprise had a neighbour raising its risk"
    unknown = await explain_driver("not-an-enterprise")  # lending goes on: no error
    assert unknown.status == "UNAVAILABLE" and unknown.detail
