"""Training for service without repeated work: graphs built once, the refit's epoch count taken
from the held-out evaluation, gradients accumulated per graph, a bootstrap sorted once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from db.frames import WorldFrames
from gnn import registry
from gnn.evaluate import Graphs, prepare, run_evaluation
from gnn.graph import build_graph
from gnn.labels import plan_split
from gnn.metrics import paired_bootstrap
from gnn.pipeline import final_plan, refit_options, train_and_save
from gnn.relations import ENTERPRISE, FORWARD_RELATIONS, NODE_TYPES, forward_name
from gnn.scaling import FeatureScaler
from gnn.train import (
    LabelledGraph,
    TrainOptions,
    _network,
    _optimiser,
    _prepared,
    _split,
    _step,
    train_graph_model,
)
from tests.gnn.worlds import synthetic_frames


@pytest.fixture(scope="module")
def world() -> WorldFrames:
    return synthetic_frames(300, seed=1)


def test_the_refit_reuses_the_evaluations_graphs(world: WorldFrames) -> None:
    plan = plan_split(world)
    graphs: Graphs = {}
    train, test = prepare(world, plan, graphs=graphs)
    evaluated = dict(graphs)
    assert set(evaluated) == {s.as_of for s in plan.train} | {plan.test.as_of}
    refit, _ = prepare(world, final_plan(plan), hold_out=False, graphs=graphs)
    reused = [g for g in refit if g.bundle.as_of in evaluated]
    assert len(reused) == len(evaluated)  # every evaluation date is a refit date too
    for labelled in refit:
        as_of = labelled.bundle.as_of
        if as_of in evaluated:
            assert labelled.bundle is evaluated[as_of]
        fresh = build_graph(world, None, as_of)
        for nt in NODE_TYPES:
            np.testing.assert_array_equal(labelled.bundle.x[nt], fresh.x[nt])
            assert labelled.bundle.feature_names[nt] == fresh.feature_names[nt]
        for et in FORWARD_RELATIONS:
            for got, want in zip(labelled.bundle.edges[et], fresh.edges[et], strict=True):
                np.testing.assert_array_equal(got, want)
    # the refit's graphs as of the evaluation's dates were not built again
    assert len(graphs) == len({s.as_of for s in final_plan(plan).train} | set(evaluated))
    # the labels come from the refit's own windows, not the evaluation's
    latest = next(g for g in refit if g.bundle.as_of == plan.test.as_of)
    np.testing.assert_array_equal(latest.y, test.y)


def _joint_gradient(net, inputs, rows, y, loss_fn, kept):  # type: ignore[no-untyped-def]
    """The gradient of the mean loss over all graphs' rows from one joint pass."""
    net.train()
    net.zero_grad()
    out = torch.cat(
        [
            net(x, {et: m for et, m in a.items() if forward_name(et[1]) in kept})[r]
            for (x, a), r in zip(inputs, rows, strict=True)
        ]
    )
    loss_fn(out, y).backward()
    return {n: p.grad.clone() for n, p in net.named_parameters() if p.grad is not None}


def test_per_graph_gradients_add_up_to_the_joint_one(world: WorldFrames) -> None:
    train, _ = prepare(world, plan_split(world))
    assert len(train) > 1
    opts = TrainOptions(relation_dropout=0.0, lr=0.0, signal_lr=0.0, weight_decay=0.0)
    dev = torch.device("cpu")
    split = _split(train, opts, dev)
    pooled = {nt: np.concatenate([s.bundle.x[nt] for s in train]) for nt in NODE_TYPES}
    inputs = _prepared(train, FeatureScaler.fit(pooled, train[0].bundle.feature_names), dev)
    torch.manual_seed(0)
    in_dims = {nt: train[0].bundle.x[nt].shape[1] for nt in NODE_TYPES}
    net = _network(in_dims, train[0].bundle.feature_names[ENTERPRISE], opts, dev)
    torch.nn.init.constant_(net.graph_gate, 0.5)  # let the graph path carry gradient
    torch.nn.init.constant_(net.signal_out.weight, 0.1)
    rows = [torch.from_numpy(r) for r in split.train_rows]
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(split.pos_weight))
    kept = {et[1] for et in FORWARD_RELATIONS}
    torch.manual_seed(7)
    joint = _joint_gradient(net, inputs, rows, split.train_y, loss_fn, kept)
    torch.manual_seed(7)  # the same dropout masks, drawn in the same order
    rng = np.random.default_rng(0)
    _step(net, _optimiser(net, opts), loss_fn, inputs, rows, split.train_y, rng, opts, 1)
    for name, p in net.named_parameters():
        if name in joint:
            assert p.grad is not None
            torch.testing.assert_close(p.grad, joint[name], rtol=1e-4, atol=1e-6)


def test_without_early_stopping_every_epoch_runs(world: WorldFrames) -> None:
    train, _ = prepare(world, plan_split(world))
    result = train_graph_model(train, TrainOptions(epochs=7, patience=1, early_stopping=False))
    assert result.epochs_run == result.best_epoch == 7
    assert result.model.meta["options"]["early_stopping"] is False
    assert result.val_auc is not None  # the validation enterprises still measure and calibrate
    stopped = train_graph_model(train, TrainOptions(epochs=60, patience=2))
    assert stopped.epochs_run - stopped.best_epoch <= 2


def test_refit_options_take_the_evaluations_best_epoch() -> None:
    opts = TrainOptions(epochs=200, patience=30)
    assert refit_options(opts, 26).epochs == 26
    assert refit_options(opts, 26).early_stopping is False
    assert refit_options(opts, 0).epochs == 1
    assert refit_options(opts, 26).hidden == opts.hidden


def test_training_for_service_refits_for_the_best_epoch(world: WorldFrames, tmp_path: Path) -> None:
    card = train_and_save(world, data_dir=tmp_path, options=TrainOptions(epochs=25))
    metrics = card["metrics"]
    assert metrics["refit_epochs"] == max(metrics["best_epoch"], 1)
    model = registry.load_model(tmp_path)
    assert model.meta["epochs_run"] == metrics["refit_epochs"]
    # the evaluation itself still stops early on its validation enterprises
    again = run_evaluation(world, options=TrainOptions(epochs=25)).report
    assert again["best_epoch"] == metrics["best_epoch"]


def _reference_bootstrap(y, a, b, rounds, seed):  # type: ignore[no-untyped-def]
    """The bootstrap measured with scikit-learn on every resample, round by round."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {"auc": [], "auprc": [], "brier": []}
    for _ in range(rounds):
        idx = rng.integers(0, len(y), len(y))
        yy = y[idx]
        if yy.min() == yy.max():
            continue
        draws["auc"].append(roc_auc_score(yy, a[idx]) - roc_auc_score(yy, b[idx]))
        ap = average_precision_score
        draws["auprc"].append(ap(yy, a[idx]) - ap(yy, b[idx]))
        draws["brier"].append(brier_score_loss(yy, a[idx]) - brier_score_loss(yy, b[idx]))
    return {
        k: [round(float(q), 4) for q in np.percentile(v, [2.5, 97.5])] for k, v in draws.items()
    }


@pytest.mark.parametrize("ties", [False, True])
def test_the_bootstrap_equals_measuring_every_resample(ties: bool) -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.08).astype(np.float32)
    a = np.clip(rng.random(400) * 0.8 + 0.2 * y, 0.0, 1.0)
    b = rng.random(400)
    if ties:  # many equal scores, as rounded or binned models give
        a, b = np.round(a, 1), np.round(b, 1)
    got = paired_bootstrap(y, a, b, rounds=60, seed=5)
    assert got is not None
    want = _reference_bootstrap(y, a, b, 60, 5)
    for k, ci in want.items():
        assert got[k]["ci95"] == pytest.approx(ci, abs=1e-4)
    assert got["auc"]["gap"] == round(roc_auc_score(y, a) - roc_auc_score(y, b), 4)


def test_an_empty_training_graph_adds_nothing(world: WorldFrames) -> None:
    train, _ = prepare(world, plan_split(world))
    first = train[0]
    empty = LabelledGraph(first.bundle, first.rows[:0], first.y[:0])
    result = train_graph_model([first, empty], TrainOptions(epochs=3))
    assert np.isfinite(result.model.logits(first.bundle)).all()


def test_a_served_blend_is_refitted_with_the_tabular_kind_it_was_measured_with() -> None:
    from gnn.pipeline import evaluated
    from gnn.served import Blend

    class _Tab:
        kind = "hgb_agg"

    blend = Blend(_Tab(), 0.0, 1.0, 0.3, "served")  # type: ignore[arg-type]
    served = {"mode": "served", "tabular_kind": None, "in_service": "served", "reason": "r"}
    assert evaluated(served, blend)["tabular_kind"] == "hgb_agg"
    assert served["tabular_kind"] is None  # the card's selection stays as chosen
    tabular = {"mode": "tabular", "tabular_kind": "hgb", "in_service": "hgb", "reason": "r"}
    assert evaluated(tabular, blend) == tabular
    graph = {"mode": "graph", "tabular_kind": None, "in_service": "graph", "reason": "r"}
    assert evaluated(graph, blend) == graph
