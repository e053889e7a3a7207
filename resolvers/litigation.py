"""Court cases: an enterprise's cases, a patent's cases, a case's parties."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from db import models as m
from resolvers.connection import Page, page_args, page_of
from resolvers.context import ctx
from resolvers.selection import connection_selection


async def enterprise_litigations(
    root: strawberry.Parent[m.Enterprise],
    info: Info,
    first: int | None = 20,
    after: str | None = None,
) -> Page[m.Litigation]:
    """A page of the cases an enterprise is a party to, by key (counted when asked)."""
    n, after_key = page_args(first, after)
    loaders = ctx(info).loaders
    rows = await loaders.litigation_page(n, after_key).load(root.id)
    count = connection_selection(info).count
    return page_of(rows, n, await loaders.litigation_count.load(root.id) if count else None)


async def patent_litigations(root: strawberry.Parent[m.Patent], info: Info) -> list[m.Litigation]:
    """The cases about a patent."""
    return await ctx(info).loaders.patent_litigations.load(root.id)


async def litigation_parties(
    root: strawberry.Parent[m.Litigation], info: Info
) -> list[m.LitigationParty]:
    """A case's parties, in order."""
    return await ctx(info).loaders.litigation_parties.load(root.id)
