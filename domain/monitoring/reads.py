"""Batched reads of warnings per enterprise for the API."""

from __future__ import annotations

from collections.abc import Sequence

from db.batch import counts, pages
from db.models import RiskWarning
from db.rows import Row


async def warning_pages(
    enterprise_ids: Sequence[int], *, first: int, after: int | None
) -> dict[int, list[RiskWarning]]:
    """A page of warnings per enterprise, oldest first."""
    return await pages(RiskWarning, "enterprise_id", enterprise_ids, first=first, after=after)


async def warning_row_pages(
    enterprise_ids: Sequence[int], *, first: int, after: int | None, columns: Sequence[str]
) -> dict[int, list[Row]]:
    """A page of warnings per enterprise, oldest first, as rows of `columns` only."""
    return await pages(
        RiskWarning, "enterprise_id", enterprise_ids, first=first, after=after, columns=columns
    )


async def warning_counts(enterprise_ids: Sequence[int]) -> dict[int, int]:
    """Warning count per enterprise."""
    return await counts(
        "SELECT enterprise_id, COUNT(*) FROM risk_warning WHERE enterprise_id IN ({ids}) "
        "GROUP BY enterprise_id",
        enterprise_ids,
    )
