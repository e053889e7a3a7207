"""Training for service: evaluate on a held-out period, then refit on every labelled window."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from db.frames import WorldFrames
from gnn.errors import GraphRiskError, TrainingFailed
from gnn.evaluate import FeatureProvider, Log, evaluate_world, prepare
from gnn.labels import Snapshot, SplitPlan, plan_split
from gnn.registry import frames_hash, save_model
from gnn.scoring import GraphModel
from gnn.train import TrainOptions, train_graph_model

DESCRIPTION = (
    "Heterogeneous GraphSAGE over enterprises, patents, cases and people (guarantees, supply, "
    "shareholding, officers, litigation roles, patent ownership and citations), trained on "
    "dated defaults with a time split and Platt-calibrated so graphRisk reads as a 12-month "
    "probability of default. See docs/gnn.md."
)


def final_plan(plan: SplitPlan) -> SplitPlan:
    """The evaluation plan moved forward: the test window becomes training data too."""
    if plan.kind != "time":
        return plan
    end = plan.test.label_end
    cutoff = plan.test.as_of
    starts = [s.as_of for s in plan.train]
    shift = cutoff - starts[0]
    latest = tuple(Snapshot(s + shift, end) for s in starts)
    earlier = tuple(Snapshot(s.as_of, cutoff) for s in plan.train)
    return replace(plan, train=latest + earlier, note="final fit on every labelled window")


def fit_final(
    frames: WorldFrames,
    *,
    options: TrainOptions | None = None,
    features: FeatureProvider | None = None,
    extra_snapshots: int = 2,
    device: torch.device | None = None,
    log: Log | None = None,
) -> GraphModel:
    """Fit the model to serve on all labelled windows (no held-out test)."""
    plan = final_plan(plan_split(frames, extra_snapshots=extra_snapshots))
    opts = options or TrainOptions()
    train, _ = prepare(frames, plan, features=features, seed=opts.seed, hold_out=False)
    result = train_graph_model(train, opts, device=device, log=log)
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
) -> dict[str, Any]:
    """Evaluate, refit and save a new active version; on any failure the old one stays."""
    try:
        metrics = evaluate_world(
            frames,
            options=options,
            features=features,
            extra_snapshots=extra_snapshots,
            device=device,
            log=log,
        )
        if metrics["auc_graph"] is None:
            raise TrainingFailed("the held-out period has no defaults to measure the model on")
        model = fit_final(
            frames,
            options=options,
            features=features,
            extra_snapshots=extra_snapshots,
            device=device,
            log=log,
        )
    except GraphRiskError:
        raise
    except Exception as exc:
        raise TrainingFailed(f"graph model training failed: {exc}") from exc
    return save_model(
        model, data_dir, metrics=metrics, data_hash=frames_hash(frames), description=DESCRIPTION
    )
