"""Batched reads of risk scores and model cards for the API."""

from __future__ import annotations

from collections.abc import Sequence

from db.batch import by_ids
from db.models import ModelCard, RiskScore


async def latest_risk_scores(enterprise_ids: Sequence[int]) -> list[RiskScore | None]:
    """The newest risk score of each enterprise (one query)."""
    rows = await RiskScore.filter(enterprise_id__in=list(set(enterprise_ids))).order_by(
        "enterprise_id", "-id"
    )
    latest: dict[int, RiskScore] = {}
    for r in rows:
        latest.setdefault(r.enterprise_id, r)
    return [latest.get(i) for i in enterprise_ids]


async def risk_scores_by_ids(ids: Sequence[int]) -> list[RiskScore | None]:
    """Risk scores in key order."""
    return await by_ids(RiskScore, ids)


async def model_cards() -> list[ModelCard]:
    """Every model card, active ones first, newest first within a name."""
    return await ModelCard.all().order_by("name", "-active", "-trained_at")
