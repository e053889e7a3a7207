"""Batched reads of patents for the API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from db.batch import by_ids, counts, pages
from db.models import Patent
from db.rows import Row
from domain.accounts.principal import Principal


async def patents_by_ids(ids: Sequence[int]) -> list[Patent | None]:
    """Patents in key order."""
    return await by_ids(Patent, ids)


async def patent_pages(
    owner_ids: Sequence[int], *, first: int, after: int | None
) -> dict[int, list[Patent]]:
    """A page of patents per owner."""
    return await pages(Patent, "owner_id", owner_ids, first=first, after=after)


async def patent_row_pages(
    owner_ids: Sequence[int], *, first: int, after: int | None, columns: Sequence[str]
) -> dict[int, list[Row]]:
    """A page of patents per owner, as rows of `columns` only."""
    return await pages(Patent, "owner_id", owner_ids, first=first, after=after, columns=columns)


async def patent_counts(owner_ids: Sequence[int]) -> dict[int, int]:
    """Patent count per owner."""
    return await counts(
        "SELECT owner_id, COUNT(*) FROM patent WHERE owner_id IN ({ids}) GROUP BY owner_id",
        owner_ids,
    )


MAX_NUMBER_LENGTH = 32


def can_see_patent(principal: Principal, patent: Patent, *, ownerless: bool) -> bool:
    """Whether the principal may see a patent: its owner's, or `ownerless` when it has none."""
    owner: int | None = patent.owner_id  # type: ignore[attr-defined]
    return ownerless if owner is None else principal.can_see_enterprise(owner)


async def visible_patent_by_number(*, principal: Principal, number: str) -> Patent | None:
    """A patent by publication number when the principal may see it (ownerless: staff only)."""
    number = number.strip()
    if not 0 < len(number) <= MAX_NUMBER_LENGTH:
        return None
    found = await Patent.get_or_none(number=number)
    if found is None or not can_see_patent(principal, found, ownerless=principal.is_staff):
        return None
    return found


async def visible_patents(*, principal: Principal, patent_ids: Iterable[int]) -> list[Patent]:
    """The patents among these keys the principal may see (ownerless ones too), in that order."""
    rows = await patents_by_ids(list(patent_ids))
    return [r for r in rows if r is not None and can_see_patent(principal, r, ownerless=True)]
