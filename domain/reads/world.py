"""Batched reads of enterprises, patents, litigation and tax for the API."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q

from db.models import (
    Enterprise,
    Litigation,
    LitigationParty,
    LitigationPatent,
    LoanProduct,
    Patent,
    TaxRecord,
)
from domain.accounts.principal import Principal
from domain.reads.batch import by_ids, counts, grouped, pages


async def enterprises_by_ids(ids: Sequence[int]) -> list[Enterprise | None]:
    """Enterprises in key order."""
    return await by_ids(Enterprise, ids)


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


async def tax_by_enterprise(ids: Sequence[int]) -> list[list[TaxRecord]]:
    """Tax years of each enterprise, oldest first."""
    return await grouped(TaxRecord, "enterprise_id", ids, order="year")


def visible_enterprise_filter(principal: Principal) -> dict[str, object]:
    """ORM filter limiting enterprises to what the principal may see."""
    if principal.is_staff:
        return {}
    return {"id": principal.enterprise_id or -1}


async def search_enterprises(
    *, principal: Principal, search: str | None, first: int, after: int | None
) -> tuple[list[Enterprise], int]:
    """A page of enterprises by name substring or USCC prefix, and the total count."""
    qs = Enterprise.filter(**visible_enterprise_filter(principal))
    if search:
        term = search.strip()[:100]
        if len(term) <= 18 and (term[:1].isdigit() or term.isupper()):
            qs = qs.filter(Q(uscc__startswith=term.upper()) | Q(name__icontains=term))
        else:
            qs = qs.filter(name__icontains=term)
    total = await qs.count()
    if after is not None:
        qs = qs.filter(id__gt=after)
    rows = await qs.order_by("id").limit(first + 1)
    return rows, total


async def active_products() -> list[LoanProduct]:
    """Products on offer."""
    return await LoanProduct.filter(active=True).order_by("id")
