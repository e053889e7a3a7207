"""Train the graph model and the tabular baselines on one world and compare them on held-out data."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import brier_score_loss

from db.frames import WorldFrames
from gnn.baseline import fit_tabular
from gnn.errors import TrainingFailed
from gnn.graph import GraphBundle, build_graph
from gnn.labels import Snapshot, SplitPlan, labels, outcomes_of, plan_split
from gnn.relations import ENTERPRISE, FORWARD_RELATIONS
from gnn.train import LabelledGraph, TrainOptions, TrainResult, auc, train_graph_model

FeatureProvider = Callable[[WorldFrames, pd.Timestamp], pd.DataFrame]
Log = Callable[[str], None]
TEST_FRACTION = 0.25


def _bundle(
    frames: WorldFrames, features: FeatureProvider | None, as_of: pd.Timestamp
) -> GraphBundle:
    return build_graph(frames, features(frames, as_of) if features else None, as_of)


def prepare(
    frames: WorldFrames,
    plan: SplitPlan,
    *,
    features: FeatureProvider | None = None,
    seed: int = 0,
    hold_out: bool = True,
) -> tuple[list[LabelledGraph], LabelledGraph]:
    """Labelled training graphs and the labelled test graph of a split plan.

    For a stratified plan, `hold_out` moves a stratified quarter of the enterprises from
    training to test; without it, training keeps every labelled row.
    """
    oc = outcomes_of(frames)
    built: dict[pd.Timestamp, GraphBundle] = {}

    def graph(snap: Snapshot) -> LabelledGraph:
        if snap.as_of not in built:
            built[snap.as_of] = _bundle(frames, features, snap.as_of)
        b = built[snap.as_of]
        rows, y = labels(oc, b.ids[ENTERPRISE], snap, dated=plan.dated)
        return LabelledGraph(b, rows, y)

    train = [graph(s) for s in plan.train]
    test = graph(plan.test)
    if plan.kind == "stratified" and hold_out:
        rng = np.random.default_rng(seed + 1)
        held = np.zeros(test.bundle.num_nodes(ENTERPRISE), dtype=bool)
        for cls in (0.0, 1.0):
            members = test.rows[test.y == cls]
            k = max(int(round(len(members) * TEST_FRACTION)), 1 if len(members) >= 2 else 0)
            if k:
                held[rng.choice(members, size=k, replace=False)] = True
        keep = held[test.rows]
        test = LabelledGraph(test.bundle, test.rows[keep], test.y[keep])
        train = [LabelledGraph(t.bundle, t.rows[~held[t.rows]], t.y[~held[t.rows]]) for t in train]
    return train, test


def _tabular_rows(sets: list[LabelledGraph], result: TrainResult) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for s, rows in zip(sets, result.train_rows, strict=True):
        pos = np.searchsorted(s.rows, rows)
        xs.append(s.bundle.x[ENTERPRISE][rows])
        ys.append(s.y[pos])
    return np.concatenate(xs), np.concatenate(ys)


def paired_auc_gap(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, *, rounds: int = 200, seed: int = 0
) -> dict[str, Any] | None:
    """AUC(a) - AUC(b) on the same rows, with a paired-bootstrap 95% interval."""
    full_a, full_b = auc(y, a), auc(y, b)
    if full_a is None or full_b is None:
        return None
    rng = np.random.default_rng(seed)
    gaps = []
    for _ in range(rounds):
        idx = rng.integers(0, len(y), len(y))
        ga, gb = auc(y[idx], a[idx]), auc(y[idx], b[idx])
        if ga is not None and gb is not None:
            gaps.append(ga - gb)
    lo, hi = np.percentile(gaps, [2.5, 97.5]) if gaps else (np.nan, np.nan)
    return {"gap": round(full_a - full_b, 4), "ci95": [round(float(lo), 4), round(float(hi), 4)]}


def _brier(y: np.ndarray, p: np.ndarray) -> float | None:
    return float(brier_score_loss(y, p)) if len(y) else None


def _baselines(
    train: list[LabelledGraph], test: LabelledGraph, result: TrainResult, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Test predictions of the gradient-boosting and logistic baselines, trained on the graph
    model's training rows; and those rows' labels."""
    x_train, y_train = _tabular_rows(train, result)
    names = train[0].bundle.feature_names[ENTERPRISE]
    x_test = test.bundle.x[ENTERPRISE][test.rows]
    hgb = fit_tabular(x_train, y_train, names, kind="hgb", seed=seed)
    logistic = fit_tabular(x_train, y_train, names, kind="logistic", seed=seed)
    return hgb.predict(x_test), logistic.predict(x_test), y_train


def evaluate_world(
    frames: WorldFrames,
    *,
    options: TrainOptions | None = None,
    features: FeatureProvider | None = None,
    extra_snapshots: int = 2,
    device: torch.device | None = None,
    log: Log | None = None,
) -> dict[str, Any]:
    """Train graph and tabular models on a world and report held-out metrics as a JSON object."""
    opts = options or TrainOptions()
    say = log or (lambda _m: None)
    started = time.perf_counter()
    plan = plan_split(frames, extra_snapshots=extra_snapshots)
    say(f"split: {plan.kind}; building {len(plan.train) + 1} graphs")
    train, test = prepare(frames, plan, features=features, seed=opts.seed)
    built = time.perf_counter()
    say(f"training the graph model on {sum(len(t.rows) for t in train)} labelled rows")
    result = train_graph_model(train, opts, device=device, log=say)
    trained = time.perf_counter()
    y_test = test.y
    if len(y_test) == 0 or y_test.min() == y_test.max():
        raise TrainingFailed("the test rows need both defaulted and sound enterprises")
    p_graph = result.model.predict(test.bundle)[test.rows]
    no_edges = [et[1] for et in FORWARD_RELATIONS]
    p_graph_no_edges = result.model.predict(test.bundle, drop=no_edges)[test.rows]
    say("training the tabular baselines")
    p_hgb, p_log, y_train = _baselines(train, test, result, opts.seed)
    primary = train[0]
    return {
        "auc_graph": auc(y_test, p_graph),
        "auc_tabular": auc(y_test, p_hgb),
        "auc_tabular_logistic": auc(y_test, p_log),
        "auc_graph_without_edges": auc(y_test, p_graph_no_edges),
        "gap_graph_vs_tabular": paired_auc_gap(y_test, p_graph, p_hgb, seed=opts.seed),
        "gap_graph_vs_logistic": paired_auc_gap(y_test, p_graph, p_log, seed=opts.seed),
        "brier_graph": _brier(y_test, p_graph),
        "brier_tabular": _brier(y_test, p_hgb),
        "mean_graph_risk": float(p_graph.mean()),
        "test_default_rate": float(y_test.mean()),
        "n_train": int(sum(len(r) for r in result.train_rows)),
        "n_train_defaults": int(y_train.sum()),
        "n_validation": int(sum(len(r) for r in result.val_rows)),
        "n_test": int(len(y_test)),
        "n_test_defaults": int(y_test.sum()),
        "n_enterprises": int(primary.bundle.num_nodes(ENTERPRISE)),
        "n_edges": int(test.bundle.num_edges),
        "split": plan.describe(),
        "val_auc_graph": result.val_auc,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "features": "provided" if features else "built-in",
        "seconds": {
            "build": round(built - started, 2),
            "train_graph": round(trained - built, 2),
            "total": round(time.perf_counter() - started, 2),
        },
    }
