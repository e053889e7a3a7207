"""Watching the models in service: drift against the training window, AUC month by month.

The drift reference is stored in the model card's metrics (`drift_reference`) when the model is
trained. `monitor_models` compares today's population with it, measures the AUC of every past
month whose outcomes have matured, stores both under the card's `monitoring` metrics (what the
`models` query shows) and records a YELLOW model warning in the audit log when a PSI passes 0.25.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from db.models import IndicatorSnapshot, ModelCard, Outcome, RiskScore
from domain import audit
from domain.models_governance.performance import label_points, monthly_auc
from domain.monitoring.model_drift import drift_report, scorecard_reference

SCORECARD = "scorecard"
GRAPH = "gnn"
HORIZON_MONTHS = 12
WARNING_KIND = "MODEL_DRIFT"


async def capture_scorecard_reference(*, card: ModelCard, data_dir: Path | None = None) -> bool:
    """Store the drift reference of a freshly trained scorecard: the indicators of its training
    population as of the training window's start, scored by it. False (nothing stored) for
    another model or a card without a dated training window."""
    from db.frames import load_frames
    from domain.indicators.compute import compute_indicators

    start = (card.metrics or {}).get("train_as_of")
    if card.name != SCORECARD or not start:
        return False
    model = await _load_scorecard(card, data_dir)
    frames = await load_frames()
    as_of = pd.Timestamp(start).to_pydatetime().replace(tzinfo=UTC)
    usccs = _alive_at(frames.outcomes, as_of.date())
    x = await asyncio.to_thread(compute_indicators, frames, as_of, usccs)
    window = {"as_of": str(start), "rows": len(x)}
    reference = await asyncio.to_thread(scorecard_reference, model, x, window=window)
    card.metrics = {**card.metrics, "drift_reference": reference}
    await card.save(update_fields=["metrics"])
    return True


def _alive_at(outcomes: pd.DataFrame, day: date) -> list[str]:
    """Firms not yet in default on `day` (the training population)."""
    if outcomes.empty:
        return []
    dates = pd.to_datetime(outcomes["default_date"])
    gone = outcomes["defaulted"].astype(bool) & (dates < pd.Timestamp(day))
    return sorted(set(outcomes.loc[~gone.to_numpy(), "uscc"].astype(str)))


async def _load_scorecard(card: ModelCard, data_dir: Path | None) -> Any:
    from config import settings
    from domain.scoring.scorecard import Scorecard

    root = data_dir if data_dir is not None else settings().data_dir
    return await asyncio.to_thread(Scorecard.load, root / card.path)


async def _snapshots(as_of: datetime | None) -> pd.DataFrame:
    """Stored indicator snapshots (enterprise, uscc, as_of, values) up to `as_of`, oldest first."""
    query = IndicatorSnapshot.all()
    if as_of is not None:
        query = query.filter(as_of__lte=as_of)
    rows = await query.order_by("as_of", "id").values(
        "enterprise_id", "enterprise__uscc", "as_of", "values"
    )
    cols = ["enterprise_id", "enterprise__uscc", "as_of", "values"]
    return pd.DataFrame(rows, columns=cols).rename(columns={"enterprise__uscc": "uscc"})


async def _graph_scores(as_of: datetime | None, version: str) -> pd.DataFrame:
    """Stored graph risks of this graph model version (enterprise, uscc, as_of, risk)."""
    query = RiskScore.filter(graph_risk__isnull=False)
    if as_of is not None:
        query = query.filter(as_of__lte=as_of)
    rows = await query.order_by("as_of", "id").values(
        "enterprise_id", "enterprise__uscc", "as_of", "graph_risk", "model_versions"
    )
    frame = pd.DataFrame(
        [r for r in rows if (r["model_versions"] or {}).get(GRAPH) == version],
        columns=["enterprise_id", "enterprise__uscc", "as_of", "graph_risk", "model_versions"],
    )
    return frame.rename(columns={"enterprise__uscc": "uscc", "graph_risk": "risk"})


async def _outcomes() -> pd.DataFrame:
    rows = await Outcome.all().values("uscc", "defaulted", "as_of", "default_date")
    return pd.DataFrame(rows, columns=["uscc", "defaulted", "as_of", "default_date"])


def scorecard_monitoring(
    model: Any, reference: dict[str, Any] | None, snaps: pd.DataFrame, outcomes: pd.DataFrame,
    *, horizon_months: int = HORIZON_MONTHS,
) -> dict[str, Any]:  # fmt: skip
    """Drift of today's population (each firm's latest snapshot) and the monthly AUC of the PD
    on every stored snapshot with a matured outcome."""
    snaps = snaps.reset_index(drop=True)
    values = pd.DataFrame(
        [{f: (v or {}).get(f) for f in model.features} for v in snaps["values"]],
        columns=model.features,
        dtype=float,
    )
    scored = model.score(values, reasons=0) if len(values) else None
    risk = pd.Series(dtype=float) if scored is None else scored["pd"].astype(float)
    labelled = label_points(snaps[["uscc", "as_of"]], outcomes, horizon_months=horizon_months)
    drift = None
    if reference is not None:
        latest = snaps.groupby("enterprise_id").tail(1).index
        scores = [] if scored is None else scored.loc[latest, "score"].astype(float).tolist()
        drift = drift_report(reference, scores, values.loc[latest])
    return {"drift": drift, "monthly_auc": monthly_auc(labelled.join(risk.rename("risk")))}


def graph_monitoring(
    reference: dict[str, Any] | None, scores: pd.DataFrame, outcomes: pd.DataFrame,
    *, horizon_months: int = HORIZON_MONTHS,
) -> dict[str, Any]:  # fmt: skip
    """The same for the graph model, from the graph risks stored with its version."""
    scores = scores.reset_index(drop=True)
    labelled = label_points(scores[["uscc", "as_of"]], outcomes, horizon_months=horizon_months)
    drift = None
    if reference is not None:
        latest = scores.groupby("enterprise_id").tail(1)
        ref = {"score": reference["score"], "features": {}}
        drift = drift_report(ref, latest["risk"].astype(float).tolist(), pd.DataFrame())
    return {"drift": drift, "monthly_auc": monthly_auc(labelled.join(scores["risk"]))}


async def monitor_models(
    *, as_of: datetime | None = None, data_dir: Path | None = None, actor: str = "system"
) -> list[ModelCard]:
    """Measure every model in service and store the result on its card; warn on drift."""
    now = as_of or datetime.now(UTC)
    cards = await ModelCard.filter(active=True).order_by("name", "id")
    outcomes = await _outcomes()
    snaps: pd.DataFrame | None = None
    for card in cards:
        metrics = dict(card.metrics or {})
        reference = metrics.get("drift_reference")
        horizon = int(metrics.get("horizon_months") or HORIZON_MONTHS)
        if card.name == SCORECARD:
            snaps = await _snapshots(as_of) if snaps is None else snaps
            model = await _load_scorecard(card, data_dir)
            found = await asyncio.to_thread(
                scorecard_monitoring, model, reference, snaps, outcomes, horizon_months=horizon
            )
        elif card.name == GRAPH:
            scores = await _graph_scores(as_of, card.version)
            found = graph_monitoring(reference, scores, outcomes, horizon_months=horizon)
        else:
            found = {"drift": None, "monthly_auc": [], "note": "no default outcome to monitor"}
        await _store(card, found, now, actor)
    return list(cards)


async def _store(card: ModelCard, found: dict[str, Any], now: datetime, actor: str) -> None:
    """Keep the measurement on the card; a drift that reaches YELLOW is audited as a warning."""
    from tortoise.transactions import in_transaction

    drift = found.get("drift")
    level = None if drift is None else drift.get("level")
    before = (card.metrics or {}).get("monitoring") or {}
    found = {**found, "as_of": now.isoformat(), "level": level}
    if drift is None and "note" not in found:
        found["note"] = "no drift reference stored with this model (retrain to record one)"
    async with in_transaction() as conn:
        card.metrics = {**(card.metrics or {}), "monitoring": found}
        await card.save(update_fields=["metrics"], using_db=conn)
        if level is not None and before.get("level") != level:
            await audit.record(
                actor=actor, action="model.warning", entity_type="ModelCard", entity_id=card.id,
                data={"kind": WARNING_KIND, "level": level, "name": card.name,
                      "version": card.version, "max_psi": drift["max_psi"] if drift else None},
                connection=conn,
            )  # fmt: skip


def model_warning(card: ModelCard) -> dict[str, Any] | None:
    """The open model warning of a card (level, kind, largest PSI, when), or None."""
    found = (card.metrics or {}).get("monitoring") or {}
    if not found.get("level"):
        return None
    drift = found.get("drift") or {}
    return {
        "level": found["level"],
        "kind": WARNING_KIND,
        "max_psi": drift.get("max_psi"),
        "as_of": found.get("as_of"),
    }


__all__ = [
    "WARNING_KIND",
    "capture_scorecard_reference",
    "graph_monitoring",
    "model_warning",
    "monitor_models",
    "scorecard_monitoring",
]
