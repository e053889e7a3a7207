"""Keeping a scored graph current: k-hop re-scoring gives the full pass's scores and states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from gnn import features as feat
from gnn.graph import GraphBundle, build_graph, with_enterprise_features
from gnn.incremental import apply_update, news, recount_events
from gnn.khop import global_csr, khop
from gnn.model import HeteroSAGE
from gnn.relations import ENTERPRISE
from gnn.scaling import FeatureScaler
from gnn.scoring import Calibration, GraphModel, ScoredGraph
from gnn.train import ALL_EDGE_TYPES
from tests.gnn.conftest import Trained
from tests.gnn.worlds import synthetic_frames

TOLERANCE = 1e-5


def _fresh(model: GraphModel, bundle: GraphBundle) -> ScoredGraph:
    """A scored copy whose features can change without touching the shared fixture."""
    return ScoredGraph.build(model, with_enterprise_features(bundle, bundle.x[ENTERPRISE].copy()))


def _full(scored: ScoredGraph) -> ScoredGraph:
    """The same graph scored from scratch."""
    return _fresh(scored.model, scored.bundle)


def _random_model(bundle: GraphBundle, layers: int) -> GraphModel:
    """An untrained network whose graph path is open, so neighbours move every score."""
    names = bundle.feature_names[ENTERPRISE]
    net = HeteroSAGE(
        {nt: x.shape[1] for nt, x in bundle.x.items()},
        ALL_EDGE_TYPES,
        hidden=16,
        layers=layers,
        signal_index=[names.index(c) for c in feat.DISTRESS_COLUMNS],
    )
    torch.manual_seed(layers)
    with torch.no_grad():
        net.graph_gate.fill_(1.0)
        net.signal_out.weight.normal_()
    return GraphModel(net, FeatureScaler.fit(bundle.x, bundle.feature_names), Calibration())


def _busiest(scored: ScoredGraph, skip: int = 0) -> int:
    """An enterprise with many links (so its neighbourhood is not trivial)."""
    csr = global_csr(scored.bundle)
    lo = csr.offsets[ENTERPRISE]
    degree = np.diff(csr.indptr)[lo : lo + scored.bundle.num_nodes(ENTERPRISE)]
    return int(np.argsort(-degree, kind="stable")[skip])


def _distressed(scored: ScoredGraph, row: int) -> np.ndarray:
    """The row's raw features after news of severe events."""
    names = scored.bundle.feature_names[ENTERPRISE]
    x = scored.bundle.x[ENTERPRISE][[row]].astype(np.float64)
    for col, more in (
        (feat.DISTRESS_SEVERE, 3),
        (feat.DISTRESS_RECENT, 2),
        ("ev_judgment_lost", 1),
    ):
        x[0, names.index(col)] += more
    return x


def _within(scored: ScoredGraph, row: int) -> set[int]:
    """Enterprise rows within the model's k hops of `row`."""
    csr = global_csr(scored.bundle)
    nodes, _ = khop(
        csr, csr.to_global(ENTERPRISE, np.array([row])), scored.model.network.num_layers
    )
    lo = csr.offsets[ENTERPRISE]
    ent = nodes[(nodes >= lo) & (nodes < lo + scored.bundle.num_nodes(ENTERPRISE))]
    return {int(r) for r in ent - lo}


def _check_exact(scored: ScoredGraph) -> None:
    full = _full(scored)
    np.testing.assert_allclose(scored.scores, full.scores, atol=TOLERANCE)
    for mine, theirs in zip(scored.hidden, full.hidden, strict=True):
        for nt in theirs:
            np.testing.assert_allclose(mine[nt].numpy(), theirs[nt].numpy(), atol=TOLERANCE)


def test_khop_rescoring_of_the_trained_model_equals_a_full_rescoring(trained: Trained) -> None:
    scored = _fresh(trained.model, trained.bundle)
    row = _busiest(scored)
    before = scored.scores.copy()
    moved = apply_update(scored, np.array([row]), _distressed(scored, row))
    _check_exact(scored)
    changed = set(np.flatnonzero(np.abs(scored.scores - before) > 0).tolist())
    assert row in moved and moved[row] > before[row]
    assert set(moved) == changed
    assert changed <= _within(scored, row)


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_khop_rescoring_is_exact_for_the_models_k_and_stays_exact(
    trained: Trained, layers: int
) -> None:
    scored = _fresh(_random_model(trained.bundle, layers), trained.bundle)
    first, second = _busiest(scored), _busiest(scored, skip=1)
    before = scored.scores.copy()
    moved = apply_update(scored, np.array([first]), _distressed(scored, first))
    _check_exact(scored)
    reach = _within(scored, first)
    assert set(moved) <= reach and len(moved) > 1
    assert np.array_equal(
        scored.scores[sorted(set(range(len(before))) - reach)],
        before[sorted(set(range(len(before))) - reach)],
    )
    # a second update reads the states the first one wrote back
    apply_update(scored, np.array([second, first]), _distressed(scored, second).repeat(2, axis=0))
    _check_exact(scored)


def test_recounting_events_without_news_gives_the_built_features() -> None:
    frames = synthetic_frames(120, seed=4)
    as_of = pd.Timestamp(frames.events["occurred_at"].max()) + pd.Timedelta(days=1)
    bundle = build_graph(frames, None, as_of)
    usccs = list(bundle.ids[ENTERPRISE][:40])
    rows, x = recount_events(bundle, frames.events, usccs)
    assert news(frames.events, as_of) == []
    np.testing.assert_array_equal(x.astype(np.float32), bundle.x[ENTERPRISE][rows])


def test_news_after_the_graphs_date_counts_as_recent() -> None:
    frames = synthetic_frames(120, seed=4)
    as_of = pd.Timestamp(frames.events["occurred_at"].max()) + pd.Timedelta(days=1)
    bundle = build_graph(frames, None, as_of)
    uscc = str(bundle.ids[ENTERPRISE][0])
    later = pd.DataFrame(
        {"uscc": [uscc, uscc], "type": ["judgment_lost", "patent_lapsed"],
         "occurred_at": [as_of + pd.Timedelta(days=3), as_of + pd.Timedelta(days=4)]}
    )  # fmt: skip
    events = pd.concat([frames.events, later], ignore_index=True)
    assert news(events, as_of) == [uscc]
    rows, x = recount_events(bundle, events, [uscc, "unknown"])
    names = bundle.feature_names[ENTERPRISE]
    old = bundle.x[ENTERPRISE][rows[0]]
    for col, more in (
        (feat.DISTRESS_SEVERE, 1), (feat.DISTRESS_RECENT, 1),
        ("ev_judgment_lost", 1), ("ev_patent_lapsed", 1), ("ev_tax_arrears", 0),
    ):  # fmt: skip
        assert x[0, names.index(col)] == old[names.index(col)] + more, col
    assert len(rows) == 1
