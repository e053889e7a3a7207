"""A small trained graph model shared by the graph tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from db.frames import WorldFrames
from gnn.evaluate import prepare
from gnn.graph import GraphBundle
from gnn.labels import plan_split
from gnn.scoring import GraphModel, ScoredGraph
from gnn.train import TrainOptions, train_graph_model
from tests.gnn.worlds import synthetic_frames


@dataclass
class Trained:
    """A model trained on a synthetic world, and that world's test-date graph."""

    frames: WorldFrames
    model: GraphModel
    bundle: GraphBundle
    scored: ScoredGraph


@pytest.fixture(scope="session")
def trained() -> Trained:
    """Trained once per session (about a second)."""
    frames = synthetic_frames(300, seed=3, contagion=2.5)
    train, test = prepare(frames, plan_split(frames))
    result = train_graph_model(train, TrainOptions(epochs=40, patience=40, seed=0))
    return Trained(frames, result.model, test.bundle, ScoredGraph.build(result.model, test.bundle))
