"""Shocks, exposure lists, paths and explanations."""

from __future__ import annotations

import numpy as np
import pytest

from gnn.contagion import shock_features, simulate_shock
from gnn.errors import InvalidGraphInput, UnknownEnterprise
from gnn.explain import explain, reason_codes
from gnn.features import DISTRESS_COLUMNS
from gnn.graph import with_enterprise_features
from gnn.khop import global_csr, khop
from tests.gnn.conftest import Trained


def hub(t: Trained) -> str:
    """The enterprise with the most guarantee and supply links."""
    deg = np.zeros(t.bundle.num_nodes("enterprise"))
    for rel in ("guarantees", "supplies"):
        s, d = t.bundle.edges[("enterprise", rel, "enterprise")]
        np.add.at(deg, s, 1)
        np.add.at(deg, d, 1)
    return str(t.bundle.ids["enterprise"][int(deg.argmax())])


def test_shock_sets_the_distress_features() -> None:
    names = ["a", *DISTRESS_COLUMNS]
    x = np.array([[5.0, 0.0, 0.0, 2.0, np.nan], [1.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    out = shock_features(x, names, np.array([0]))
    assert out[0].tolist() == [5.0, 1.0, 1.0, 3.0, 1.0]
    assert out[1].tolist() == x[1].tolist()


def test_exposed_firms_are_linked_and_sorted(trained: Trained) -> None:
    source = hub(trained)
    result = simulate_shock(trained.scored, [source], hops=2)
    assert result.sources == (source,)
    assert result.exposed, "a hub's default should raise someone's risk"
    increases = [e.increase for e in result.exposed]
    assert increases == sorted(increases, reverse=True)
    assert all(e.risk_after > e.risk_before for e in result.exposed)
    for e in result.exposed:
        assert e.uscc != source
        assert 1 <= e.hops <= 2
        assert len(e.path) == e.hops
        ends = {e.path[0].source, e.path[0].target}
        assert source in ends
        assert e.uscc in {e.path[-1].source, e.path[-1].target}


@pytest.mark.parametrize("n_sources", [1, 3])
def test_incremental_rescoring_is_exact(trained: Trained, n_sources: int) -> None:
    b = trained.bundle
    sources = [hub(trained), *map(str, b.ids["enterprise"][: n_sources - 1])]
    result = simulate_shock(trained.scored, sources, hops=2, min_increase=-1.0, limit=10**6)
    rows = b.enterprise_index(sources)
    x = shock_features(b.x["enterprise"], b.feature_names["enterprise"], rows)
    before = trained.model.predict(b)
    after = trained.model.predict(with_enterprise_features(b, x))
    assert result.exposed
    for e in result.exposed:
        row = int(b.enterprise_index([e.uscc])[0])
        assert e.risk_before == pytest.approx(before[row], abs=1e-5)
        assert e.risk_after == pytest.approx(after[row], abs=1e-5)
    changed = np.flatnonzero(np.abs(after - before) > 1e-6)
    reported = set(b.enterprise_index([e.uscc for e in result.exposed]).tolist())
    assert set(changed.tolist()) - set(rows.tolist()) <= reported


def test_more_hops_reach_no_less(trained: Trained) -> None:
    source = hub(trained)
    one = simulate_shock(trained.scored, [source], hops=1)
    two = simulate_shock(trained.scored, [source], hops=2)
    assert {e.uscc for e in one.exposed} <= {e.uscc for e in two.exposed}
    assert all(e.hops == 1 for e in one.exposed)


def test_far_firms_are_not_exposed(trained: Trained) -> None:
    source = hub(trained)
    csr = global_csr(trained.bundle)
    row = trained.bundle.enterprise_index([source])
    near, _ = khop(csr, csr.to_global("enterprise", row), 2)
    result = simulate_shock(trained.scored, [source], hops=4)
    near_rows = csr.split(near)["enterprise"]
    near_ids = {str(u) for u in trained.bundle.ids["enterprise"][near_rows]}
    assert {e.uscc for e in result.exposed} <= near_ids


@pytest.mark.parametrize(
    ("usccs", "hops", "error", "match"),
    [
        (["no-such-firm"], 2, UnknownEnterprise, "no-such-firm"),
        ([], 2, InvalidGraphInput, "at least one"),
        (None, 0, InvalidGraphInput, "hops"),
        (None, 5, InvalidGraphInput, "hops"),
    ],
)
def test_bad_shocks_are_refused(
    trained: Trained, usccs: list[str] | None, hops: int, error: type[Exception], match: str
) -> None:
    ids = usccs if usccs is not None else [hub(trained)]
    with pytest.raises(error, match=match):
        simulate_shock(trained.scored, ids, hops=hops)


def test_explanation_and_reason_codes(trained: Trained) -> None:
    source = hub(trained)
    expl = explain(trained.model, trained.bundle, source)
    row = int(trained.bundle.enterprise_index([source])[0])
    assert expl.risk == pytest.approx(trained.model.predict(trained.bundle)[row], abs=1e-5)
    assert expl.relations and expl.neighbours
    assert {c.relation for c in expl.relations} <= {
        "owns", "guarantees", "supplies", "holds_shares", "officer_of", "cites",
        "party_to_plaintiff", "party_to_defendant", "party_to_third_party", "concerns",
    }  # fmt: skip
    sizes = [abs(c.delta) for c in expl.neighbours]
    assert sizes == sorted(sizes, reverse=True)
    codes = reason_codes(expl, min_delta=0.0)
    assert codes
    for code in codes:
        assert set(code) == {"code", "description", "weight"}
        assert code["code"].startswith("GRAPH_")
        assert code["weight"] >= 0


def test_explaining_an_unknown_firm_is_refused(trained: Trained) -> None:
    with pytest.raises(UnknownEnterprise):
        explain(trained.model, trained.bundle, "nope")
