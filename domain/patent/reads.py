"""Batched reads of patents for the API."""

from __future__ import annotations

from collections.abc import Sequence

from db.batch import by_ids, counts, pages
from db.models import Patent


async def patents_by_ids(ids: Sequence[int]) -> list[Patent | None]:
    """Patents in key order."""
    return await by_ids(Patent, ids)


async def patent_pages(
    owner_ids: Sequence[int], *, first: int, after: int | None
) -> dict[int, list[Patent]]:
    """A page of patents per owner."""
    return await pages(Patent, "owner_id", owner_ids, first=first, after=after)


async def patent_counts(owner_ids: Sequence[int]) -> dict[int, int]:
    """Patent count per owner."""
    return await counts(
        "SELECT owner_id, COUNT(*) FROM patent WHERE owner_id IN ({ids}) GROUP BY owner_id",
        owner_ids,
    )
