"""The heterogeneous SAGE network and scoring with it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gnn.features import DISTRESS_COLUMNS
from gnn.graph import build_graph, with_enterprise_features
from gnn.khop import global_csr, induced_subgraph, khop
from gnn.model import HeteroSAGE, add_message, aggregate, mean_adjacency
from gnn.relations import ALL_EDGE_TYPES, NODE_TYPES
from gnn.scaling import FeatureScaler
from gnn.scoring import Calibration, GraphModel, adjacency, node_inputs
from tests.gnn.worlds import tiny_frames


def untrained(bundle, layers: int = 2) -> GraphModel:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    dims = {nt: bundle.x[nt].shape[1] for nt in NODE_TYPES}
    net = HeteroSAGE(dims, ALL_EDGE_TYPES, hidden=8, layers=layers)
    with torch.no_grad():
        net.graph_gate.fill_(1.0)  # open the graph path, closed at initialisation
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
    first = net.head[0]
    assert isinstance(first, torch.nn.Linear)
    before = first.weight.detach().clone()
    net.reset_parameters()
    assert not torch.equal(before, first.weight)
    assert float(net.graph_gate) == 0.0


def test_closed_gate_ignores_the_graph() -> None:
    b = build_graph(tiny_frames(), None, "2024-06-01")
    model = untrained(b)
    with torch.no_grad():
        model.network.graph_gate.zero_()
    assert np.allclose(model.predict(b), model.predict(b, drop=["guarantees", "supplies", "owns"]))


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


def test_sparse_product_gradient_matches_dense() -> None:
    src, dst = np.array([0, 1, 2, 2]), np.array([1, 1, 0, 2])
    a = mean_adjacency(src, dst, 3, 3, transpose=True)
    h = torch.randn(3, 4, requires_grad=True)
    aggregate(a, h).pow(2).sum().backward()
    dense = a.fwd.to_dense()
    h2 = h.detach().clone().requires_grad_(True)
    (dense @ h2).pow(2).sum().backward()
    assert h.grad is not None and h2.grad is not None
    assert torch.allclose(h.grad, h2.grad)


def test_distress_channel_carries_a_counterparty_default() -> None:
    b = build_graph(tiny_frames(), None, "2024-06-01")
    names = b.feature_names["enterprise"]
    dims = {nt: b.x[nt].shape[1] for nt in NODE_TYPES}
    torch.manual_seed(0)
    net = HeteroSAGE(
        dims, ALL_EDGE_TYPES, hidden=8, signal_index=[names.index(c) for c in DISTRESS_COLUMNS]
    )
    model = GraphModel(net, FeatureScaler.fit(b.x, b.feature_names), Calibration(), {})
    assert float(net.signal_out.weight.abs().sum()) == 0.0  # starts silent
    with torch.no_grad():
        net.signal_out.weight.fill_(1.0)
    quiet = model.logits(b, drop=[et[1] for et in ALL_EDGE_TYPES if et[1] != "guarantees"])
    x = b.x["enterprise"].copy()
    x[0, names.index("distress_defaulted")] = 1.0  # E1 guarantees E2
    loud = model.logits(
        with_enterprise_features(b, x),
        drop=[et[1] for et in ALL_EDGE_TYPES if et[1] != "guarantees"],
    )
    assert loud[1] != pytest.approx(quiet[1])  # the guaranteed firm hears it
    assert loud[6] == pytest.approx(quiet[6])  # the isolated firm does not


@pytest.mark.parametrize(
    ("src", "dst", "n_src", "n_dst", "shortcut"),
    [
        (np.array([2, 0, 1, 0]), np.array([3, 1, 0, 2]), 3, 4, "take"),  # one source each
        (np.array([0, 1, 2]), np.array([5, 5, 1]), 3, 6, "rows"),  # two of six targets
        (np.array([0, 1, 2, 2]), np.array([1, 1, 0, 2]), 3, 3, None),
        (np.array([], dtype=np.int64), np.array([], dtype=np.int64), 3, 4, "empty"),
    ],
)
@pytest.mark.parametrize("normalise", [True, False])
def test_training_shortcuts_match_the_plain_product(
    src: np.ndarray, dst: np.ndarray, n_src: int, n_dst: int, shortcut: str | None, normalise: bool
) -> None:
    plain = mean_adjacency(src, dst, n_src, n_dst, normalise=normalise)
    fast = mean_adjacency(src, dst, n_src, n_dst, normalise=normalise, transpose=True)
    assert (fast.take is not None) == (shortcut == "take")
    assert (fast.rows is not None) == (shortcut == "rows")
    assert fast.empty == (shortcut == "empty")
    weight = torch.nn.Linear(4, 4, bias=False)
    base = torch.randn(n_dst, 4)
    h = torch.randn(n_src, 4, requires_grad=True)
    h2 = h.detach().clone().requires_grad_(True)
    got, want = base.clone().requires_grad_(True), base.clone().requires_grad_(True)
    out_got = got * 1.0
    add_message(out_got, weight, fast, h, True)  # in place, under autograd
    out_want = want * 1.0 + weight(plain.fwd.to_dense() @ h2)
    assert torch.allclose(out_got, out_want, atol=1e-6)
    assert torch.allclose(aggregate(fast, h), plain.fwd @ h.detach(), atol=1e-6)
    out_got.pow(2).sum().backward()
    out_want.pow(2).sum().backward()
    assert h2.grad is not None and got.grad is not None and want.grad is not None
    h_grad = h.grad if h.grad is not None else torch.zeros_like(h2.grad)  # empty: none flows
    assert torch.allclose(h_grad, h2.grad, atol=1e-5)
    assert torch.allclose(got.grad, want.grad, atol=1e-5)
