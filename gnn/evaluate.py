"""Train the graph model, the tabular baselines and the served blend on one world and compare
them on the same held-out rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch

from db.frames import WorldFrames
from gnn.errors import TrainingFailed
from gnn.graph import GraphBundle, build_graph
from gnn.labels import Snapshot, SplitPlan, labels, outcomes_of, plan_split
from gnn.metrics import auc, paired_bootstrap, score_metrics
from gnn.relations import ENTERPRISE, FORWARD_RELATIONS
from gnn.select import BASELINES, Components, blend_for, choose, fit_components
from gnn.served import Blend, design
from gnn.train import LabelledGraph, TrainOptions, TrainResult, train_graph_model

FeatureProvider = Callable[[WorldFrames, pd.Timestamp], pd.DataFrame]
Log = Callable[[str], None]
Graphs = dict[pd.Timestamp, GraphBundle]
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
    graphs: Graphs | None = None,
) -> tuple[list[LabelledGraph], LabelledGraph]:
    """Labelled training graphs and the labelled test graph of a split plan.

    For a stratified plan, `hold_out` moves a stratified quarter of the enterprises from
    training to test; without it, training keeps every labelled row. `graphs` holds graphs
    built already (by date, with the same `features`): they are reused and new ones added,
    so the refit after an evaluation builds only the dates the evaluation had not.
    """
    oc = outcomes_of(frames)
    built: Graphs = {} if graphs is None else graphs

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


@dataclass
class Evaluation:
    """Held-out predictions of every model, the fitted parts, and the report."""

    report: dict[str, Any]
    components: Components
    blend: Blend
    graphs: Graphs = field(default_factory=dict)


def _test_predictions(
    test: LabelledGraph, result: TrainResult, comp: Components, blend: Blend
) -> dict[str, np.ndarray]:
    out = {k: m.predict(design(test.bundle, k, rows=test.rows)) for k, m in comp.tabular.items()}
    graph_logits = result.model.logits(test.bundle)[test.rows]
    out["graph"] = result.model.calibration.apply(graph_logits)
    out["served"] = blend.apply(graph_logits, blend.base(test.bundle, rows=test.rows))
    return out


def compare(
    y: np.ndarray, preds: dict[str, np.ndarray], *, rounds: int = 200, seed: int = 0
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Metrics of every model on the same rows, and paired-bootstrap gaps of the served blend
    and the graph model against the best baseline (by held-out AUC)."""
    test = {k: score_metrics(y, p) for k, p in preds.items()}
    base = [k for k in BASELINES if k in preds and test[k]["auc"] is not None]
    best = max(base, key=lambda k: test[k]["auc"])
    gaps: dict[str, Any] = {"best_baseline": best}
    for k in ("served", "graph"):
        gaps[f"{k}_vs_best_baseline"] = paired_bootstrap(
            y, preds[k], preds[best], rounds=rounds, seed=seed
        )
    return test, gaps


def evaluate_world(
    frames: WorldFrames,
    *,
    options: TrainOptions | None = None,
    features: FeatureProvider | None = None,
    extra_snapshots: int = 2,
    device: torch.device | None = None,
    log: Log | None = None,
    test_from: pd.Timestamp | None = None,
    test_to: pd.Timestamp | None = None,
    rounds: int = 200,
) -> dict[str, Any]:
    """Train graph, tabular and served models on a world and report held-out metrics (JSON)."""
    return run_evaluation(
        frames, options=options, features=features, extra_snapshots=extra_snapshots,
        device=device, log=log, test_from=test_from, test_to=test_to, rounds=rounds,
    ).report  # fmt: skip


def run_evaluation(
    frames: WorldFrames,
    *,
    options: TrainOptions | None = None,
    features: FeatureProvider | None = None,
    extra_snapshots: int = 2,
    device: torch.device | None = None,
    log: Log | None = None,
    test_from: pd.Timestamp | None = None,
    test_to: pd.Timestamp | None = None,
    rounds: int = 200,
) -> Evaluation:
    """`evaluate_world` keeping the fitted parts (for training in service)."""
    opts = options or TrainOptions()
    say = log or (lambda _m: None)
    started = time.perf_counter()
    plan = plan_split(frames, extra_snapshots=extra_snapshots, test_from=test_from, test_to=test_to)
    say(f"split: {plan.kind}; building {len(plan.train) + 1} graphs")
    graphs: Graphs = {}
    train, test = prepare(frames, plan, features=features, seed=opts.seed, graphs=graphs)
    built = time.perf_counter()
    if len(test.y) == 0 or test.y.min() == test.y.max():
        raise TrainingFailed("the test rows need both defaulted and sound enterprises")
    say(f"training the graph model on {sum(len(t.rows) for t in train)} labelled rows")
    result = train_graph_model(train, opts, device=device, log=say)
    trained = time.perf_counter()
    say("training the tabular models and the served blend")
    comp = fit_components(train, result, kinds=BASELINES, seed=opts.seed)
    blend = blend_for(comp, "served", None, seed=opts.seed)
    preds = _test_predictions(test, result, comp, blend)
    models, gaps = compare(test.y, preds, rounds=rounds, seed=opts.seed)
    selection = choose(models, gaps)
    no_edges = [et[1] for et in FORWARD_RELATIONS]
    p_no_edges = result.model.graph_predict(test.bundle, drop=no_edges)[test.rows]
    report = _report(test.y, models, gaps, selection, blend, result, train, test, plan)
    report["auc_graph_without_edges"] = auc(test.y, p_no_edges)
    report["features"] = "provided" if features else "built-in"
    report["seconds"] = {
        "build": round(built - started, 2),
        "train_graph": round(trained - built, 2),
        "total": round(time.perf_counter() - started, 2),
    }
    return Evaluation(report, comp, blend, graphs)


def _report(
    y: np.ndarray,
    models: dict[str, dict[str, Any]],
    gaps: dict[str, Any],
    selection: dict[str, Any],
    blend: Blend,
    result: TrainResult,
    train: list[LabelledGraph],
    test: LabelledGraph,
    plan: SplitPlan,
) -> dict[str, Any]:
    y_train = np.concatenate([s.y for s in train])
    return {
        "models": models,
        "gaps": gaps,
        "selection": selection,
        "served": blend.describe(),
        "auc_graph": models["graph"]["auc"],
        "auc_served": models["served"]["auc"],
        "auc_tabular": models["hgb"]["auc"],
        "auc_tabular_logistic": models["logistic"]["auc"],
        "auc_tabular_aggregates": models["hgb_agg"]["auc"],
        "brier_graph": models["graph"]["brier"],
        "brier_tabular": models["hgb"]["brier"],
        "mean_graph_risk": models["served"]["mean_predicted"],
        "test_default_rate": float(y.mean()),
        "n_train": int(sum(len(r) for r in result.train_rows)),
        "n_train_defaults": int(y_train.sum()),
        "n_validation": int(sum(len(r) for r in result.val_rows)),
        "n_test": int(len(y)),
        "n_test_defaults": int(y.sum()),
        "n_enterprises": int(train[0].bundle.num_nodes(ENTERPRISE)),
        "n_edges": int(test.bundle.num_edges),
        "split": plan.describe(),
        "val_auc_graph": result.val_auc,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
    }
