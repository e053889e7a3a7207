"""The tabular models beside the graph one, the served blend, and which of them goes in service.

Every model learns from the graph model's training rows; the served blend's coefficients and the
choice of its tabular part come from the graph model's validation enterprises (held out of every
training graph), so the test window is touched only to measure and to choose what to ship.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gnn.aggregates import aggregate_names
from gnn.baseline import TabularModel
from gnn.metrics import auc
from gnn.relations import ENTERPRISE
from gnn.served import TABULAR_KINDS, Blend, design, fit_blend, fit_kind, logit
from gnn.train import LabelledGraph, TrainResult

BASELINES: tuple[str, ...] = TABULAR_KINDS
MODEL_NAMES: dict[str, str] = {
    "logistic": "logistic regression, own features",
    "hgb": "gradient-boosted trees, own features",
    "hgb_agg": "gradient-boosted trees, own features + neighbour aggregates",
    "graph": "heterogeneous GraphSAGE",
    "served": "calibrated tabular logit + gated graph correction",
}


@dataclass
class Components:
    """Fitted tabular models and the validation rows the blend is fitted on."""

    tabular: dict[str, TabularModel]
    val_tab_logits: dict[str, np.ndarray]
    val_graph_logits: np.ndarray
    val_y: np.ndarray


def _rows_design(sets: Sequence[LabelledGraph], rows: Sequence[np.ndarray], kind: str) -> Any:
    return np.concatenate([design(s.bundle, kind, rows=r) for s, r in zip(sets, rows, strict=True)])


def _labels(sets: Sequence[LabelledGraph], rows: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate(
        [s.y[np.searchsorted(s.rows, r)] for s, r in zip(sets, rows, strict=True)]
    )


def fit_components(
    sets: Sequence[LabelledGraph], result: TrainResult, *, kinds: Sequence[str], seed: int = 0
) -> Components:
    """Tabular models of `kinds` on the graph model's training rows; validation logits of all."""
    names = sets[0].bundle.feature_names[ENTERPRISE]
    y_train = _labels(sets, result.train_rows)
    y_val = _labels(sets, result.val_rows)
    tabular: dict[str, TabularModel] = {}
    val_tab: dict[str, np.ndarray] = {}
    for kind in kinds:
        cols = names + aggregate_names(names) if kind == "hgb_agg" else names
        model = fit_kind(_rows_design(sets, result.train_rows, kind), y_train, cols, kind, seed)
        tabular[kind] = model
        val_tab[kind] = logit(model.predict(_rows_design(sets, result.val_rows, kind)))
    graph_val = np.concatenate(
        [result.model.logits(s.bundle)[r] for s, r in zip(sets, result.val_rows, strict=True)]
    )
    return Components(tabular, val_tab, graph_val, y_val)


def best_on_validation(comp: Components) -> str:
    """The tabular kind with the highest validation AUC (the served blend's tabular part)."""
    scores = {k: auc(comp.val_y, v) or 0.0 for k, v in comp.val_tab_logits.items()}
    return max(scores, key=lambda k: scores[k])


def blend_for(comp: Components, mode: str, kind: str | None, seed: int = 0) -> Blend:
    """The served artefact's coefficients for a selection mode (`served`, `tabular`, `graph`)."""
    # a graph-only selection refits no tabular model: there is none to choose from
    k = kind or (best_on_validation(comp) if comp.val_tab_logits else "")
    tab = comp.tabular.get(k)
    return fit_blend(
        tab, comp.val_tab_logits.get(k, np.zeros(0)), comp.val_graph_logits, comp.val_y,
        mode=mode, seed=seed,
    )  # fmt: skip


def choose(test: dict[str, dict[str, Any]], gaps: dict[str, Any]) -> dict[str, Any]:
    """What to put in service, from held-out AUCs: the served blend or the graph model only when
    it beats the best baseline on the test window (point estimate); otherwise the best baseline
    itself, calibrated. A model whose gap to the best baseline has an interval wholly below zero
    is never chosen (the best one by AUC cannot have one)."""
    aucs = {k: v["auc"] for k, v in test.items() if v["auc"] is not None}
    best_base = max((k for k in BASELINES if k in aucs), key=lambda k: aucs[k])
    pick, mode = best_base, "tabular"
    for cand in ("served", "graph"):
        gap = gaps.get(f"{cand}_vs_best_baseline") or {}
        ci = (gap.get("auc") or {}).get("ci95", [0.0, 0.0])
        if cand in aucs and aucs[cand] > aucs[pick] and not ci[1] < 0:
            pick, mode = cand, cand
    gap_note = gaps.get(f"{pick}_vs_best_baseline", {}) or {}
    if pick == best_base:
        served_gap = (gaps.get("served_vs_best_baseline") or {}).get("auc", {})
        reason = (
            f"the best baseline ({MODEL_NAMES[best_base]}, held-out AUC {aucs[best_base]:.3f}) "
            f"is not beaten: the served blend reaches {aucs.get('served', float('nan')):.3f} "
            f"(gap {served_gap.get('gap')} {served_gap.get('ci95')}); the simple model is served"
        )
    else:
        g = gap_note.get("auc", {})
        reason = (
            f"{MODEL_NAMES[pick]} is best on the held-out window (AUC {aucs[pick]:.3f} against "
            f"{aucs[best_base]:.3f} for the best baseline, {MODEL_NAMES[best_base]}; gap "
            f"{g.get('gap')} with 95 % interval {g.get('ci95')})"
        )
    return {
        "in_service": pick,
        "mode": mode,
        "tabular_kind": best_base if mode == "tabular" else None,
        "best_baseline": best_base,
        "reason": reason,
    }
