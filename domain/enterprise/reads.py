"""Reads of enterprises for the API: by key, tax years, and search limited to what a caller may see."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q

from db.batch import KeysetPage, by_ids, grouped, keyset_page
from db.models import Enterprise, TaxRecord
from domain.accounts.principal import Principal


async def enterprises_by_ids(ids: Sequence[int]) -> list[Enterprise | None]:
    """Enterprises in key order."""
    return await by_ids(Enterprise, ids)


async def tax_by_enterprise(ids: Sequence[int]) -> list[list[TaxRecord]]:
    """Tax years of each enterprise, oldest first."""
    return await grouped(TaxRecord, "enterprise_id", ids, order="year")


def visible_enterprise_filter(principal: Principal) -> dict[str, object]:
    """ORM filter limiting enterprises to what the principal may see."""
    if principal.is_staff:
        return {}
    return {"id": principal.enterprise_id or -1}


async def search_enterprises(
    *,
    principal: Principal,
    search: str | None,
    first: int,
    after: int | None,
    count: bool = True,
    columns: Sequence[str] | None = None,
) -> KeysetPage[Enterprise]:
    """Up to first+1 enterprises by name substring or USCC prefix after a key, and the total
    count when `count`; rows of `columns` only when given."""
    qs = Enterprise.filter(**visible_enterprise_filter(principal))
    if search:
        term = search.strip()[:100]
        if len(term) <= 18 and (term[:1].isdigit() or term.isupper()):
            qs = qs.filter(Q(uscc__startswith=term.upper()) | Q(name__icontains=term))
        else:
            qs = qs.filter(name__icontains=term)
    return await keyset_page(qs, first=first, after=after, count=count, columns=columns)


USCC_LENGTH = 18


async def visible_enterprise_by_uscc(*, principal: Principal, uscc: str) -> Enterprise | None:
    """The enterprise with this USCC when the principal may see it; None otherwise."""
    code = uscc.strip().upper()
    if len(code) != USCC_LENGTH:
        return None
    found = await Enterprise.get_or_none(uscc=code)
    if found is None or not principal.can_see_enterprise(found.id):
        return None
    return found
