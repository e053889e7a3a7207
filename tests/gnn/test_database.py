"""The service on a real database: a generated world imported, trained, scored and shocked."""

from __future__ import annotations

from pathlib import Path

from db.models import ModelCard
from domain.world.generator import generate_world
from domain.world.importer import import_world_rows
from gnn import registry, service
from gnn.train import TrainOptions


async def test_train_score_and_shock_from_the_database(db: str, tmp_path: Path) -> None:
    await import_world_rows(generate_world(enterprises=300, seed=3))
    service.invalidate()
    card = await service.train(data_dir=tmp_path, options=TrainOptions(epochs=15))
    assert registry.active_version(tmp_path) == card["version"]
    row = await ModelCard.get(name="gnn", active=True)
    assert row.version == card["version"]
    assert row.metrics["n_test"] > 0
    scores = await service.score_all(data_dir=tmp_path)
    assert len(scores) == 300
    assert all(0.0 < p < 1.0 for p in scores.values())
    riskiest = max(scores, key=lambda u: scores[u])
    result = await service.contagion(uscc=riskiest, hops=2, data_dir=tmp_path)
    assert result.sources == (riskiest,)
    for exposure in result.exposed:
        assert exposure.risk_after > exposure.risk_before
        assert exposure.path
    service.invalidate()
