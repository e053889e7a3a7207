"""Training for service: evaluate on a held-out period, then refit on every labelled window."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from db.frames import WorldFrames
from gnn.errors import GraphRiskError, TrainingFailed
from gnn.evaluate import FeatureProvider, Graphs, Log, prepare, run_evaluation
from gnn.labels import Snapshot, SplitPlan, plan_split
from gnn.registry import frames_hash, save_model
from gnn.scoring import GraphModel
from gnn.select import BASELINES, blend_for, fit_components
from gnn.served import Blend
from gnn.train import TrainOptions, train_graph_model

DESCRIPTION = (
    "Heterogeneous GraphSAGE over enterprises, patents, cases and people (guarantees, supply, "
    "shareholding, officers, litigation roles, patent ownership and citations), trained on "
    "dated defaults with a time split and Platt-calibrated so graphRisk reads as a 12-month "
    "probability of default. In service: the best tabular model's calibrated logit plus a gated "
    "graph correction, or the simple model alone when it is not beaten on the held-out window "
    "(see `served`). See docs/gnn.md."
)


def final_plan(plan: SplitPlan) -> SplitPlan:
    """The evaluation plan moved forward: the test window becomes training data too."""
    if plan.kind != "time":
        return plan
    end = plan.test.label_end
    cutoff = plan.test.as_of
    recent = [s.as_of for s in plan.train if s.label_end == cutoff]
    shift = cutoff - recent[0]
    latest = tuple(Snapshot(s + shift, end) for s in recent)
    earlier = tuple(plan.train)
    return replace(plan, train=latest + earlier, note="final fit on every labelled window")


def refit_options(options: TrainOptions, best_epoch: int) -> TrainOptions:
    """The refit's settings: as many epochs as the held-out evaluation found best, without
    early stopping (its validation enterprises still calibrate the network and fit the blend).
    The evaluation's patience epochs and per-epoch validation passes are not run again."""
    return replace(options, epochs=max(int(best_epoch), 1), early_stopping=False)


def evaluated(selection: dict[str, Any], blend: Blend) -> dict[str, Any]:
    """The selection to refit: a served blend keeps the tabular kind it was measured with on
    the held-out window (not the three baselines refitted to choose again)."""
    if selection["mode"] != "served" or selection.get("tabular_kind") or blend.tabular is None:
        return selection
    return {**selection, "tabular_kind": blend.tabular.kind}


def fit_final(
    frames: WorldFrames,
    *,
    options: TrainOptions | None = None,
    features: FeatureProvider | None = None,
    extra_snapshots: int = 2,
    device: torch.device | None = None,
    log: Log | None = None,
    selection: dict[str, Any] | None = None,
    test_from: pd.Timestamp | None = None,
    test_to: pd.Timestamp | None = None,
    graphs: Graphs | None = None,
) -> GraphModel:
    """Fit the model to serve on all labelled windows (no held-out test), with the served blend
    of the `selection` (default: the gated blend) refitted on the validation enterprises.
    `graphs`: graphs built already by date (an evaluation's), reused."""
    plan = final_plan(
        plan_split(frames, extra_snapshots=extra_snapshots, test_from=test_from, test_to=test_to)
    )
    opts = options or TrainOptions()
    train, _ = prepare(
        frames, plan, features=features, seed=opts.seed, hold_out=False, graphs=graphs
    )
    result = train_graph_model(train, opts, device=device, log=log)
    sel = selection or {"mode": "served", "tabular_kind": None, "reason": ""}
    kinds = [sel["tabular_kind"]] if sel.get("tabular_kind") else list(BASELINES)
    comp = fit_components(train, result, kinds=[] if sel["mode"] == "graph" else kinds)
    blend = blend_for(comp, sel["mode"], sel.get("tabular_kind"), seed=opts.seed)
    blend.choice = str(sel.get("in_service", blend.choice))
    blend.reason = str(sel.get("reason", ""))
    result.model.blend = blend
    result.model.meta["split"] = plan.describe()
    return result.model


def train_and_save(
    frames: WorldFrames,
    *,
    data_dir: Path,
    options: TrainOptions | None = None,
    features: FeatureProvider | None = None,
    extra_snapshots: int = 2,
    device: torch.device | None = None,
    log: Log | None = None,
    test_from: pd.Timestamp | None = None,
    test_to: pd.Timestamp | None = None,
    activate: bool = True,
) -> dict[str, Any]:
    """Evaluate every model on the held-out window, choose what to serve, refit it on every
    labelled window and save it (as the new active version with `activate`); on any failure
    the old one stays."""
    window: dict[str, Any] = {"test_from": test_from, "test_to": test_to}
    try:
        evaluation = run_evaluation(
            frames, options=options, features=features, extra_snapshots=extra_snapshots,
            device=device, log=log, **window,
        )  # fmt: skip
        metrics = evaluation.report
        if metrics["auc_graph"] is None:
            raise TrainingFailed("the held-out period has no defaults to measure the model on")
        refit = refit_options(options or TrainOptions(), metrics["best_epoch"])
        metrics["refit_epochs"] = refit.epochs
        model = fit_final(
            frames, options=refit, features=features, extra_snapshots=extra_snapshots,
            device=device, log=log, selection=evaluated(metrics["selection"], evaluation.blend),
            graphs=evaluation.graphs, **window,
        )  # fmt: skip
    except GraphRiskError:
        raise
    except Exception as exc:
        raise TrainingFailed(f"graph model training failed: {exc}") from exc
    return save_model(
        model, data_dir, metrics=metrics, data_hash=frames_hash(frames), description=DESCRIPTION,
        activate=activate,
    )  # fmt: skip
