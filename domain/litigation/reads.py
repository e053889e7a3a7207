"""Batched reads of court cases, their parties and patents for the API."""

from __future__ import annotations

from collections.abc import Sequence

from db.batch import counts, grouped, pages
from db.models import Litigation, LitigationParty, LitigationPatent


async def litigation_pages(
    enterprise_ids: Sequence[int], *, first: int, after: int | None
) -> dict[int, list[Litigation]]:
    """A page of cases per enterprise (any role), newest key last."""
    source = (
        "SELECT DISTINCT l.*, lp.enterprise_id AS parent_key FROM litigation l "
        "JOIN litigation_party lp ON lp.litigation_id = l.id"
    )
    return await pages(
        Litigation, "id", enterprise_ids, first=first, after=after, select_from=source
    )


async def litigation_counts(enterprise_ids: Sequence[int]) -> dict[int, int]:
    """Case count per enterprise."""
    return await counts(
        "SELECT enterprise_id, COUNT(DISTINCT litigation_id) FROM litigation_party "
        "WHERE enterprise_id IN ({ids}) GROUP BY enterprise_id",
        enterprise_ids,
    )


async def parties_by_litigation(ids: Sequence[int]) -> list[list[LitigationParty]]:
    """Parties of each case, in the order given."""
    return await grouped(LitigationParty, "litigation_id", ids, order="position")


async def patent_ids_by_litigation(ids: Sequence[int]) -> list[list[int]]:
    """Patent keys each case is about."""
    links = await grouped(LitigationPatent, "litigation_id", ids, order="position")
    return [[link.patent_id for link in group] for group in links]  # type: ignore[attr-defined]


async def litigations_by_patent(ids: Sequence[int]) -> list[list[Litigation]]:
    """Cases about each patent."""
    links = await LitigationPatent.filter(patent_id__in=list(set(ids))).order_by("litigation_id")
    wanted = list({link.litigation_id for link in links})
    lits = {r.id: r for r in await Litigation.filter(id__in=wanted)}
    out: dict[int, list[Litigation]] = {}
    for link in links:
        out.setdefault(link.patent_id, []).append(lits[link.litigation_id])  # type: ignore[attr-defined]
    return [out.get(i, []) for i in ids]
