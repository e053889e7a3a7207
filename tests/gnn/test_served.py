"""Neighbour aggregates, the gated served blend, metrics, model selection and time windows."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gnn import registry
from gnn.aggregates import aggregate_names, neighbour_aggregates
from gnn.baseline import fit_tabular
from gnn.contagion import shock_features, simulate_shock
from gnn.errors import InvalidGraphInput
from gnn.features import DISTRESS_DEFAULTED
from gnn.graph import with_enterprise_features
from gnn.labels import _test_window, plan_split
from gnn.metrics import calibration_table, paired_bootstrap, precision_at, score_metrics
from gnn.pipeline import train_and_save
from gnn.scoring import GraphModel, ScoredGraph
from gnn.select import choose
from gnn.served import Blend, design, fit_blend, fit_kind, logit
from gnn.train import TrainOptions
from tests.gnn.conftest import Trained
from tests.gnn.test_contagion import hub
from tests.gnn.worlds import synthetic_frames


def test_aggregates_match_a_plain_loop(trained: Trained) -> None:
    b = trained.bundle
    names = b.feature_names["enterprise"]
    agg = neighbour_aggregates(b)
    cols = aggregate_names(names)
    assert agg.shape == (b.num_nodes("enterprise"), len(cols))
    x = np.nan_to_num(b.x["enterprise"].astype(np.float64))
    d = names.index(DISTRESS_DEFAULTED)
    s, t = b.edges[("enterprise", "guarantees", "enterprise")]
    for row in np.unique(t)[:20]:
        guarantors = set(s[t == row].tolist())
        count = agg[row, cols.index("nb_guarantees_in_count")]
        total = agg[row, cols.index(f"nb_guarantees_in_sum_{DISTRESS_DEFAULTED}")]
        assert count == len(guarantors)
        assert total == pytest.approx(sum(x[g, d] for g in guarantors))
    some = np.array([3, 1, 7])
    assert np.allclose(neighbour_aggregates(b, rows=some), agg[some])


def _stack_data(
    graph_signal: float, seed: int = 0, n: int = 4000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    own, rel = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3 + 1.5 * own + graph_signal * rel)))).astype(float)
    tab = own + rng.normal(scale=0.3, size=n)
    graph = 0.8 * own + rel + rng.normal(scale=0.3, size=n)
    return tab, graph, y


def test_gate_stays_shut_when_relations_carry_nothing() -> None:
    tab, graph, y = _stack_data(graph_signal=0.0)
    blend = fit_blend(None, tab, graph, y, mode="served")  # no tabular: graph only
    assert blend.choice == "graph"
    model = fit_tabular(tab[:, None], y, ["t"], kind="logistic")
    blend = fit_blend(model, tab, graph, y, mode="served")
    assert blend.g == 0.0 and not blend.evidence["gate"]["open"]
    calibrated = fit_blend(model, tab, graph, y, mode="tabular")
    assert np.allclose(blend.apply(graph, tab), calibrated.apply(graph, tab))


def test_gate_opens_when_the_graph_knows_more() -> None:
    tab, graph, y = _stack_data(graph_signal=1.5)
    model = fit_tabular(tab[:, None], y, ["t"], kind="logistic")
    blend = fit_blend(model, tab, graph, y, mode="served")
    assert blend.evidence["gate"]["open"] and blend.g > 0
    assert blend.evidence["gate"]["gain_ci90_low"] > 0


def test_metrics_on_a_known_ranking() -> None:
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    p = np.linspace(1.0, 0.1, 10)
    assert precision_at(y, p, 0.1) == 1.0
    assert precision_at(y, p, 0.3) == pytest.approx(2 / 3)
    table = calibration_table(y, p, bins=5)
    assert [r["n"] for r in table] == [2] * 5
    assert table[-1]["observed_rate"] == 0.5 and table[0]["observed_rate"] == 0.0
    m = score_metrics(y, p)
    assert {"auc", "auprc", "precision_top1", "precision_top5", "brier", "calibration"} <= set(m)
    gap = paired_bootstrap(y, p, 1.0 - p, rounds=50)
    assert gap is not None and gap["auc"]["gap"] > 0 and gap["brier"]["gap"] < 0


def _models(aucs: dict[str, float]) -> dict[str, dict[str, float]]:
    return {k: {"auc": v} for k, v in aucs.items()}


def _gap(ci: list[float]) -> dict[str, dict[str, object]]:
    return {"auc": {"gap": sum(ci) / 2, "ci95": ci}}


def test_selection_ships_the_simple_model_when_it_wins() -> None:
    aucs = {"logistic": 0.86, "hgb": 0.84, "hgb_agg": 0.85, "graph": 0.81, "served": 0.855}
    gaps = {"served_vs_best_baseline": _gap([-0.02, 0.01]), "graph_vs_best_baseline": None}
    sel = choose(_models(aucs), gaps)
    assert sel["in_service"] == "logistic" and sel["mode"] == "tabular"
    assert "simple model" in sel["reason"]


def test_selection_ships_the_served_blend_when_it_wins() -> None:
    aucs = {"logistic": 0.80, "hgb": 0.81, "hgb_agg": 0.82, "graph": 0.83, "served": 0.84}
    gaps = {
        "served_vs_best_baseline": _gap([0.005, 0.035]),
        "graph_vs_best_baseline": _gap([-0.01, 0.03]),
    }
    sel = choose(_models(aucs), gaps)
    assert sel["in_service"] == "served" and sel["best_baseline"] == "hgb_agg"
    assert "0.840" in sel["reason"]


def _blend_for(t: Trained, g: float) -> GraphModel:
    """The trained graph model with a served blend whose tabular part uses neighbour aggregates."""
    model = copy.copy(t.model)
    b = t.bundle
    names = b.feature_names["enterprise"]
    x = design(b, "hgb_agg")
    rng = np.random.default_rng(0)
    y = (rng.random(len(x)) < 0.3).astype(float)
    tab = fit_kind(x, y, names + aggregate_names(names), "hgb_agg", 0)
    model.blend = Blend(tab, -1.0, 0.5, g, "served")
    return model


def test_served_model_round_trips_and_contagion_stays_exact(
    trained: Trained, tmp_path: Path
) -> None:
    model = _blend_for(trained, g=0.7)
    card = registry.save_model(model, tmp_path, metrics={}, data_hash="cd" * 32)
    assert card["served"]["choice"] == "served" and card["served"]["tabular_kind"] == "hgb_agg"
    loaded = registry.load_model(tmp_path)
    b = trained.bundle
    assert np.allclose(loaded.predict(b), model.predict(b))
    scored = ScoredGraph.build(loaded, b)
    source = hub(trained)
    result = simulate_shock(scored, [source], hops=2, min_increase=-1.0, limit=10**6)
    rows = b.enterprise_index([source])
    x = shock_features(b.x["enterprise"], b.feature_names["enterprise"], rows)
    after = loaded.predict(with_enterprise_features(b, x))
    for e in result.exposed:
        r = b.enterprise_index([e.uscc])[0]
        assert e.risk_after == pytest.approx(after[r], abs=1e-5)


def test_closed_gate_serves_the_tabular_score(trained: Trained) -> None:
    model = _blend_for(trained, g=0.0)
    b = trained.bundle
    assert model.blend is not None
    assert model.blend.tabular is not None
    tab = model.blend.tabular.predict(np.hstack([b.x["enterprise"], neighbour_aggregates(b)]))
    expected = 1 / (1 + np.exp(-(-1.0 + 0.5 * logit(tab))))
    assert np.allclose(model.predict(b), expected)


def test_given_test_window_and_its_errors() -> None:
    frames = synthetic_frames(300, seed=1)
    plan = plan_split(frames, test_from=pd.Timestamp("2025-03-01"))
    assert plan.test.describe() == {"as_of": "2025-03-01", "label_end": "2026-01-01"}
    assert plan.note == "given"
    assert all(s.label_end <= plan.test.as_of for s in plan.train)
    with pytest.raises(InvalidGraphInput, match="test window is empty"):
        plan_split(frames, test_from=pd.Timestamp("2026-06-01"))


def test_automatic_window_skips_a_thin_last_year() -> None:
    days = pd.to_datetime(
        [f"{year}-0{m}-15" for year in range(2015, 2023) for m in range(1, 10)] * 5
        + ["2023-06-01"]  # the last year before the end has a single default
    )
    oc = pd.DataFrame({"defaulted": True, "default_date": days})
    cutoff, end, how = _test_window(oc, pd.Timestamp("2024-01-01"), None, None)
    assert (cutoff, end) == (pd.Timestamp("2022-01-01"), pd.Timestamp("2023-01-01"))
    assert how == "latest year with enough defaults"
    busy = pd.DataFrame(
        {"defaulted": True, "default_date": days.append(pd.DatetimeIndex(["2023-05-01"] * 40))}
    )
    assert _test_window(busy, pd.Timestamp("2024-01-01"), None, None)[2] == "latest year"


def test_training_for_service_ships_the_selected_model(tmp_path: Path) -> None:
    frames = synthetic_frames(300, seed=1)
    card = train_and_save(frames, data_dir=tmp_path, options=TrainOptions(epochs=20))
    selection = card["metrics"]["selection"]
    served = card["served"]
    assert served["choice"] == selection["in_service"]
    assert served["reason"] == selection["reason"] and served["reason"]
    if selection["mode"] == "tabular":
        assert served["g"] == 0.0 and served["tabular_kind"] == selection["tabular_kind"]
    loaded = registry.load_model(tmp_path)
    assert loaded.blend is not None and loaded.blend.choice == selection["in_service"]


def test_a_graph_only_selection_refits_without_a_tabular_model() -> None:
    """When the graph network alone is put in service, no tabular model was refitted: the
    blend is the graph's own calibration, not a crash looking for the best of none."""
    from gnn.select import Components, blend_for

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 200).astype(float)
    graph = rng.normal(size=200) + 1.5 * y
    blend = blend_for(Components({}, {}, graph, y), "graph", None)
    assert blend.tabular is None and blend.choice == "graph" and blend.c1 == 0.0
    assert blend.g > 0  # the graph's logits, calibrated


def test_boosted_trees_walked_on_binned_features_give_predict_probas_answer() -> None:
    """The fast path of TabularModel.predict (trees walked on the binned matrix) agrees with
    scikit-learn's own predict_proba, missing values and values on the bin edges included."""
    from gnn.baseline import BINNED_MIN_ROWS, _binned_proba

    rng = np.random.default_rng(3)
    x = rng.normal(size=(3000, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=3000) > 0).astype(int)
    model = fit_tabular(x, y, [f"f{i}" for i in range(6)], kind="hgb", seed=0)
    new = rng.normal(size=(BINNED_MIN_ROWS * 2, 6))
    new[::7, 2] = np.nan
    edges = model.estimator._bin_mapper.bin_thresholds_[0]
    new[: len(edges), 0] = edges  # exactly on the thresholds the splits use
    fast = _binned_proba(model.estimator, new)
    assert fast is not None
    slow = model.estimator.predict_proba(np.where(model.empty, 0.0, new))[:, 1]
    assert np.allclose(fast, slow, rtol=0, atol=1e-12)
