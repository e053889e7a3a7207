"""The heterogeneous SAGE network and scoring with it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gnn.graph import build_graph
from gnn.khop import global_csr, induced_subgraph, khop
from gnn.model import HeteroSAGE, mean_adjacency
from gnn.relations import ALL_EDGE_TYPES, NODE_TYPES
from gnn.scaling import FeatureScaler
from gnn.scoring import Calibration, GraphModel, adjacency, node_inputs
from tests.gnn.worlds import tiny_frames


def untrained(bundle, layers: int = 2) -> GraphModel:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    dims = {nt: bundle.x[nt].shape[1] for nt in NODE_TYPES}
    net = HeteroSAGE(dims, ALL_EDGE_TYPES, hidden=8, layers=layers)
    scaler = FeatureScaler.fit(bundle.x, bundle.feature_names)
    return GraphModel(net, scaler, Calibration(), {"in_dims": dims})


def test_mean_adjacency_averages_in_neighbours() -> None:
    a = mean_adjacency(np.array([0, 1, 2]), np.array([1, 1, 0]), 3, 3)
    h = torch.tensor([[1.0], [3.0], [10.0]])
    assert (a.fwd @ h).flatten().tolist() == [10.0, 2.0, 0.0]


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_forward_gives_one_logit_per_enterprise(layers: int) -> None:
    b = build_graph(tiny_frames(), None, "2024-06-01")
    model = untrained(b, layers)
    out = model.network(node_inputs(b, model.scaler, model.device), adjacency(b, model.device))
    assert out.shape == (7,)
    assert torch.isfinite(out).all()
    p = model.predict(b)
    assert p.shape == (7,)
    assert ((p > 0) & (p < 1)).all()


def test_reset_parameters_reinitialises() -> None:
    b = build_graph(tiny_frames(), None, "2024-06-01")
    net = untrained(b).network
    before = net.head[0].weight.detach().clone()
    net.reset_parameters()
    assert not torch.equal(before, net.head[0].weight)


def test_subgraph_scores_equal_full_graph_scores() -> None:
    b = build_graph(tiny_frames(), None, "2024-06-01")
    model = untrained(b)
    full = model.predict(b)
    csr = global_csr(b)
    nodes, _ = khop(csr, np.array([0]), 2)
    sub = induced_subgraph(b, nodes)
    assert np.allclose(model.predict(sub.bundle)[0], full[0], atol=1e-6)


def test_dropping_a_relation_changes_only_linked_scores() -> None:
    b = build_graph(tiny_frames(), None, "2024-06-01")
    model = untrained(b)
    full = model.predict(b)
    no_guarantees = model.predict(b, drop=["guarantees"])
    assert full[6] == pytest.approx(no_guarantees[6])  # isolated
    assert not np.isclose(full[1], no_guarantees[1])  # guaranteed by E1
