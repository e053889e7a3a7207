"""Saving, loading and activating model versions; failed training keeps the old one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from db.frames import WorldFrames
from gnn import registry
from gnn.errors import GraphRiskError, InvalidGraphInput, ModelUnavailable
from gnn.pipeline import train_and_save
from gnn.train import TrainOptions
from tests.gnn.conftest import Trained
from tests.gnn.worlds import tiny_frames


def test_round_trip_gives_identical_scores(trained: Trained, tmp_path: Path) -> None:
    card = registry.save_model(
        trained.model, tmp_path, metrics={"auc_graph": 0.7}, data_hash="ab" * 32
    )
    assert registry.active_version(tmp_path) == card["version"]
    assert (tmp_path / card["path"]).exists()
    loaded = registry.load_model(tmp_path)
    assert loaded.version == card["version"]
    assert np.array_equal(loaded.predict(trained.bundle), trained.model.predict(trained.bundle))
    assert registry.read_card(tmp_path, card["version"])["metrics"] == {"auc_graph": 0.7}


def test_no_model_yet(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="no graph model"):
        registry.load_model(tmp_path)
    assert registry.active_version(tmp_path) is None
    assert registry.list_cards(tmp_path) == []


def test_activating_an_unknown_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable):
        registry.activate_version(tmp_path, "19990101T000000000000Z-deadbeef")


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (WorldFrames.from_tables({}), "no enterprises|no outcomes"),
        (tiny_frames(), "too few|both|no default"),
    ],
)
def test_failed_training_keeps_the_previous_model(
    trained: Trained, tmp_path: Path, frames: WorldFrames, message: str
) -> None:
    card = registry.save_model(trained.model, tmp_path, metrics={}, data_hash="cd" * 32)
    with pytest.raises(GraphRiskError, match=message):
        train_and_save(frames, data_dir=tmp_path, options=TrainOptions(epochs=3))
    assert registry.active_version(tmp_path) == card["version"]
    assert len(registry.list_cards(tmp_path)) == 1


def test_world_without_outcomes_is_refused(tmp_path: Path) -> None:
    frames = tiny_frames()
    frames.outcomes = frames.outcomes.iloc[0:0]
    with pytest.raises(InvalidGraphInput, match="no outcomes"):
        train_and_save(frames, data_dir=tmp_path)
