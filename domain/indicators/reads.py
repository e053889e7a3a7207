"""Batched reads of indicator snapshots for the API."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.functions import Max

from db.models import IndicatorSnapshot


async def latest_snapshots(enterprise_ids: Sequence[int]) -> list[IndicatorSnapshot | None]:
    """The newest indicator snapshot of each enterprise (one query over the latest keys)."""
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
