"""Batched reads of valuations for the API and the lending service."""

from __future__ import annotations

from collections.abc import Sequence

from db.models import Valuation


async def latest_valuations(patent_ids: Sequence[int]) -> list[Valuation | None]:
    """The newest valuation of each patent (one query)."""
    rows = await Valuation.filter(patent_id__in=list(set(patent_ids))).order_by("patent_id", "-id")
    latest: dict[int, Valuation] = {}
    for r in rows:
        latest.setdefault(r.patent_id, r)  # type: ignore[attr-defined]
    return [latest.get(i) for i in patent_ids]


async def valuations_by_ids(ids: Sequence[int]) -> list[Valuation | None]:
    """Valuations in the order of `ids` (None where missing), in one query."""
    found = {v.id: v for v in await Valuation.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]
