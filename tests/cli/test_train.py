"""`ipcredit train` after `world import`: every model the decision uses is in service, the graph
model included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.common import run_with_db
from domain.world.generator import generate_world, write_world
from gnn import registry, service
from tests.cli.helpers import run

ENTERPRISES = 300


@pytest.fixture
def imported(tmp_path: Path, data_dir: Path, cli_db: str) -> Iterator[Path]:
    world = tmp_path / "world"
    write_world(generate_world(enterprises=ENTERPRISES, seed=3), world)
    assert run(["world", "import", str(world), "--inline"]) == 0
    service.invalidate()
    yield data_dir
    service.invalidate()


async def _active_cards() -> dict[str, str]:
    from db.models import ModelCard

    return {c.name: c.version for c in await ModelCard.filter(active=True)}


async def _graph_risks() -> list[float | None]:
    from db.models import Enterprise
    from domain.decision.gather import graph_risk_of

    usccs = [e.uscc for e in await Enterprise.all().limit(5)]
    return [(await graph_risk_of(u))[0] for u in usccs]


@pytest.mark.slow
def test_train_puts_every_model_in_service_graph_included(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["train", "--epochs", "10", "--json"]) == 0
    summary = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert set(summary) == {"valuation", "scorecard", "gnn"}
    assert {"auc_graph", "auc_tabular"} <= set(summary["gnn"]["metrics"])
    assert registry.active_version(imported) == summary["gnn"]["version"]
    assert (imported / summary["gnn"]["path"]).exists()
    cards = run_with_db(_active_cards)
    assert cards == {name: card["version"] for name, card in summary.items()}
    risks = run_with_db(_graph_risks)
    assert risks
    assert all(r is not None and 0.0 < r < 1.0 for r in risks)


def test_train_without_the_graph_leaves_it_alone(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["train", "--no-graph", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in summary] == ["valuation", "scorecard"]
    assert registry.active_version(imported) is None
    assert "gnn" not in run_with_db(_active_cards)


def test_a_graph_model_that_cannot_be_trained_is_a_clear_error(
    imported: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gnn.errors import TrainingFailed

    async def refuse(**_: object) -> dict[str, object]:
        raise TrainingFailed("the held-out period has no defaults to measure the model on")

    monkeypatch.setattr(service, "train", refuse)
    capsys.readouterr()
    assert run(["train", "--json"]) == 2
    out, err = capsys.readouterr()
    assert [c["name"] for c in json.loads(out)] == ["valuation", "scorecard"]
    assert "the graph model was not trained" in err
    assert "no defaults" in err
    assert registry.active_version(imported) is None
