"""Model cards as the API shows them, with how each model in service is holding up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from db import models as m


def _description(root: strawberry.Parent[m.ModelCard]) -> str:
    return root.description + ("" if root.active else " (not in service)")


@strawberry.type(description="Population stability of one feature against the training window.")
class FeatureDrift:
    feature: str = strawberry.field(description="Indicator code.")
    psi: float | None = strawberry.field(description="Population stability index.")
    verdict: str = strawberry.field(description="STABLE (< 0.1), WATCH, SHIFTED (> 0.25).")


@strawberry.type(description="Today's population against the one the model was trained on.")
class ModelDrift:
    n: int = strawberry.field(description="Firms in today's population.")
    score_psi: float | None = strawberry.field(description="PSI of the model's score.")
    score_verdict: str = strawberry.field(description="STABLE, WATCH, SHIFTED or NO_DATA.")
    max_psi: float | None = strawberry.field(description="The largest PSI, score or feature.")
    level: str | None = strawberry.field(description="YELLOW above 0.25, else null.")
    features: list[FeatureDrift] = strawberry.field(description="The top features' PSI.")


@strawberry.type(description="How the model ranked one month's firms, once outcomes matured.")
class MonthlyAuc:
    month: str = strawberry.field(description="YYYY-MM of the scoring date.")
    n: int = strawberry.field(description="Firms with a matured outcome.")
    defaults: int = strawberry.field(description="Of which defaulted within the horizon.")
    default_rate: float = strawberry.field(description="defaults / n.")
    auc: float | None = strawberry.field(description="Null with too few rows or one class.")


@strawberry.type(description="The last monitoring run of a model (`ipcredit models monitor`).")
class ModelMonitoring:
    as_of: datetime = strawberry.field(description="When it was measured.")
    level: str | None = strawberry.field(description="The model warning: YELLOW, or null.")
    drift: ModelDrift | None = strawberry.field(description="Null without a stored reference.")
    monthly_auc: list[MonthlyAuc] = strawberry.field(description="Oldest month first.")
    note: str | None = strawberry.field(description="Why something could not be measured.")


def _monitoring(root: strawberry.Parent[m.ModelCard]) -> ModelMonitoring | None:
    found: dict[str, Any] = (root.metrics or {}).get("monitoring") or {}
    if not found:
        return None
    raw = found.get("drift")
    drift = None
    if raw:
        feats = [FeatureDrift(**f) for f in raw.get("features", [])]
        keys = ("n", "score_psi", "score_verdict", "max_psi", "level")
        drift = ModelDrift(**{k: raw.get(k) for k in keys}, features=feats)
    return ModelMonitoring(
        as_of=datetime.fromisoformat(found["as_of"]),
        level=found.get("level"),
        drift=drift,
        monthly_auc=[MonthlyAuc(**row) for row in found.get("monthly_auc", [])],
        note=found.get("note"),
    )


def _metrics(root: strawberry.Parent[m.ModelCard]) -> Any:
    # the drift reference (bin edges and shares) is bulky and for machines: left out here
    return {k: v for k, v in (root.metrics or {}).items() if k != "drift_reference"}


@strawberry.type(description="A trained model: version, when, on what data, how good.")
class ModelCard:
    name: str = strawberry.field(description="valuation, scorecard, gnn, ...")
    version: str = strawberry.field(description="Version recorded with every decision.")
    trained_at: datetime | None = strawberry.field(description="When it was trained.")
    active: bool = strawberry.field(description="Whether this version is in service.")
    metrics: JSON = strawberry.field(
        resolver=_metrics, description="AUC, KS, calibration, baselines, monitoring..."
    )
    description: str = strawberry.field(
        resolver=_description, description="What it is and how far to trust it."
    )
    monitoring: ModelMonitoring | None = strawberry.field(
        resolver=_monitoring,
        description="Drift (PSI of the score and top features) and monthly AUC on matured "
        "outcomes, from the last monitoring run; null before the first.",
    )


__all__ = ["ModelCard"]
