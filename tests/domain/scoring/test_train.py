"""`train_models` on a stored world, then valuing patents and scoring enterprises with it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from db.models import Enterprise, IndicatorSnapshot, ModelCard, Outcome, Patent, Valuation
from domain.errors import InvalidInput, NotFound
from domain.scoring.service import score_enterprise, train_models
from domain.valuation.service import latest_valuation, value_patent
from domain.world.generator import generate_world
from domain.world.importer import import_world_rows

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


async def _trained(data_dir: Path) -> list[ModelCard]:
    await import_world_rows(generate_world(enterprises=600, seed=3))
    return await train_models(data_dir=data_dir)


async def test_train_then_value_and_score(db: str, data_dir: Path) -> None:
    cards = await _trained(data_dir)

    assert [c.name for c in cards] == ["valuation", "scorecard"]
    for card in cards:
        assert card.active
        assert (data_dir / card.path).is_file()
        assert card.trained_at is not None
        assert len(card.data_hash) == 64
    val_card, sc_card = cards
    assert {"spearman", "mdape", "baseline_spearman", "baseline_mdape"} <= set(val_card.metrics)
    assert {"auc", "ks", "gini", "brier", "calibration", "n_train", "n_test"} <= set(
        sc_card.metrics
    )
    assert sc_card.metrics["split"] == "time"

    patent = await Patent.filter(status="granted", pledged=False).order_by("id").first()
    assert patent is not None
    valuation = await value_patent(number=patent.number, as_of=WHEN, data_dir=data_dir)
    assert valuation.model_version == val_card.version
    assert Decimal("0") < valuation.low <= valuation.value <= valuation.high
    assert valuation.pledge_value <= valuation.value * Decimal("0.30") + Decimal("0.01")
    assert valuation.drivers
    assert {"name", "contribution"} <= set(valuation.drivers[0])
    assert len(valuation.inputs_hash) == 64
    latest = await latest_valuation(patent_id=patent.id)
    assert latest is not None
    assert latest.id == valuation.id

    lapsed = await Patent.filter(status="lapsed").order_by("id").first()
    assert lapsed is not None
    dead = await value_patent(number=lapsed.number, as_of=WHEN, data_dir=data_dir)
    assert dead.pledge_value == 0
    assert "NOT_IN_FORCE" in dead.method

    with pytest.raises(NotFound):
        await value_patent(number="CN000000000X", data_dir=data_dir)
    assert await Valuation.all().count() == 2

    ent = await Enterprise.all().order_by("id").first()
    assert ent is not None
    score = await score_enterprise(enterprise_id=ent.id, as_of=WHEN, data_dir=data_dir)
    assert score.model_versions["scorecard"] == sc_card.version
    assert 0 < score.probability_of_default < 1
    assert score.grade in {"AAA", "AA", "A", "BBB", "BB", "B", "CCC"}
    # without a stored snapshot one was computed as of the scoring date and kept
    snaps = await IndicatorSnapshot.filter(enterprise_id=ent.id)
    assert [s.as_of for s in snaps] == [WHEN]
    assert score.model_versions["indicators"] == snaps[0].registry_version


async def test_failed_training_keeps_the_models_in_service(db: str, data_dir: Path) -> None:
    before = await _trained(data_dir)
    files = sorted(p.name for p in (data_dir / "models").iterdir())
    await Outcome.all().delete()

    with pytest.raises(InvalidInput, match="no outcomes"):
        await train_models(data_dir=data_dir)

    active = await ModelCard.filter(active=True).order_by("id")
    assert [(c.name, c.version) for c in active] == [(c.name, c.version) for c in before]
    assert sorted(p.name for p in (data_dir / "models").iterdir()) == files


@pytest.mark.slow
async def test_retraining_the_same_world_gives_the_same_versions(db: str, data_dir: Path) -> None:
    first = await _trained(data_dir)
    again = await train_models(data_dir=data_dir)
    assert [c.version for c in again] == [c.version for c in first]
    assert await ModelCard.all().count() == 2
