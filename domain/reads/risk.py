"""Batched reads of valuations, scores and snapshots for the API."""

from __future__ import annotations

from collections.abc import Sequence

from db.models import IndicatorSnapshot, ModelCard, Valuation


async def latest_valuations(patent_ids: Sequence[int]) -> list[Valuation | None]:
    """The newest valuation of each patent (one query)."""
    rows = await Valuation.filter(patent_id__in=list(set(patent_ids))).order_by("patent_id", "-id")
    latest: dict[int, Valuation] = {}
    for r in rows:
        latest.setdefault(r.patent_id, r)  # type: ignore[attr-defined]
    return [latest.get(i) for i in patent_ids]


async def latest_snapshots(enterprise_ids: Sequence[int]) -> list[IndicatorSnapshot | None]:
    """The newest indicator snapshot of each enterprise (one query over the latest keys)."""
    from tortoise.functions import Max

    wanted = list(set(enterprise_ids))
    latest_ids = [
        row["last"]
        for row in await IndicatorSnapshot.filter(enterprise_id__in=wanted)
        .annotate(last=Max("id"))
        .group_by("enterprise_id")
        .values("enterprise_id", "last")
    ]
    rows = {r.enterprise_id: r for r in await IndicatorSnapshot.filter(id__in=latest_ids)}
    return [rows.get(i) for i in enterprise_ids]


async def model_cards() -> list[ModelCard]:
    """Every model card, active ones first, newest first within a name."""
    return await ModelCard.all().order_by("name", "-active", "-trained_at")
