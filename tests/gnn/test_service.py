"""The async service: train, score, contagion and explanations over cached state."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.frames import WorldFrames
from gnn import registry, service
from gnn.errors import InvalidGraphInput, ModelUnavailable, UnknownEnterprise
from gnn.train import TrainOptions
from tests.gnn.conftest import Trained
from tests.gnn.worlds import synthetic_frames


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> WorldFrames:
    frames = synthetic_frames(200, seed=5)

    async def load() -> WorldFrames:
        return frames

    monkeypatch.setattr(service, "load_frames", load)
    service.invalidate()
    return frames


async def test_without_a_model_scoring_is_unavailable(world: WorldFrames, tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable):
        await service.score_all(data_dir=tmp_path)


async def test_score_contagion_and_explain(
    world: WorldFrames, trained: Trained, tmp_path: Path
) -> None:
    registry.save_model(trained.model, tmp_path, metrics={}, data_hash="0" * 64)
    scores = await service.score_all(data_dir=tmp_path)
    assert set(scores) == set(world.enterprises["uscc"])
    assert all(0.0 < p < 1.0 for p in scores.values())
    uscc = next(iter(scores))
    result = await service.contagion(uscc=uscc, hops=2, data_dir=tmp_path)
    assert result.sources == (uscc,)
    assert result.model_version == registry.active_version(tmp_path)
    expl, reasons = await service.explain(uscc=uscc, data_dir=tmp_path)
    assert expl.risk == pytest.approx(scores[uscc], abs=1e-5)
    assert isinstance(reasons, list)
    with pytest.raises(UnknownEnterprise):
        await service.simulate_shock(usccs=["nope"], data_dir=tmp_path)
    with pytest.raises(InvalidGraphInput, match="hops"):
        await service.contagion(uscc=uscc, hops=9, data_dir=tmp_path)


async def test_a_new_version_is_swapped_in_by_a_background_rebuild(
    world: WorldFrames, trained: Trained, tmp_path: Path
) -> None:
    first = registry.save_model(trained.model, tmp_path, metrics={}, data_hash="1" * 64)
    state = await service.loaded(data_dir=tmp_path)
    assert state.version == first["version"]
    assert await service.loaded(data_dir=tmp_path) is state
    second = registry.save_model(trained.model, tmp_path, metrics={}, data_hash="2" * 64)
    # the caller never waits for the rebuild: the graph in service answers meanwhile
    assert await service.loaded(data_dir=tmp_path) is state
    await service.refreshed(tmp_path)
    again = await service.loaded(data_dir=tmp_path)
    assert again.version == second["version"] != first["version"]
    assert again.risk == pytest.approx(state.risk)


async def test_old_scores_are_rebuilt_in_the_background(
    world: WorldFrames, trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.save_model(trained.model, tmp_path, metrics={}, data_hash="1" * 64)
    reads: list[int] = []

    async def counted() -> WorldFrames:
        reads.append(1)
        return world

    monkeypatch.setattr(service, "load_frames", counted)
    state = await service.loaded(data_dir=tmp_path)
    assert await service.loaded(data_dir=tmp_path) is state and len(reads) == 1
    state.loaded_at -= service.REFRESH_SECONDS + 1
    assert await service.loaded(data_dir=tmp_path) is state
    await service.refreshed(tmp_path)
    fresh = await service.loaded(data_dir=tmp_path)
    assert fresh is not state and len(reads) == 2
    assert fresh.version == state.version


async def test_load_at_start_says_what_it_loaded(
    world: WorldFrames, trained: Trained, tmp_path: Path
) -> None:
    assert (await service.load_at_start(data_dir=tmp_path))["state"] == "none"
    card = registry.save_model(trained.model, tmp_path, metrics={}, data_hash="1" * 64)
    report = await service.load_at_start(data_dir=tmp_path)
    assert report["state"] == "scored" and report["version"] == card["version"]
    assert report["enterprises"] == len(world.enterprises)
    service.invalidate()
    (tmp_path / card["path"]).write_bytes(b"not a model")
    broken = await service.load_at_start(data_dir=tmp_path)
    assert broken["state"] == "unusable" and broken["reason"]


async def test_train_saves_and_activates(world: WorldFrames, tmp_path: Path) -> None:
    card = await service.train(
        data_dir=tmp_path, frames=world, options=TrainOptions(epochs=15), record=False
    )
    assert registry.active_version(tmp_path) == card["version"]
    assert {"auc_graph", "auc_tabular", "split"} <= set(card["metrics"])
    assert card["training"]["split"]["train"][0]["as_of"] == "2025-01-01"
    scores = await service.score_all(data_dir=tmp_path)
    assert len(scores) == 200
