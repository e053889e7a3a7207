"""Patents: by number, an enterprise's patents, patents a case is about."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry.types import Info

from db import models as m
from db.rows import Row
from domain.patent.reads import can_see_patent, visible_patent_by_number
from resolvers import columns
from resolvers.connection import Page, page_args, page_of
from resolvers.context import ctx
from resolvers.selection import connection_selection


async def visible_patents(info: Info, patent_ids: Iterable[int]) -> list[m.Patent]:
    """The patents among these keys the caller may see (ownerless ones too), in that order."""
    c = ctx(info)
    principal = c.require()
    rows = await c.loaders.patent.load_many(list(patent_ids))
    return [r for r in rows if r is not None and can_see_patent(principal, r, ownerless=True)]


async def patent(info: Info, number: str) -> m.Patent | None:
    """A patent by publication number, when the caller may see it (ownerless: staff only)."""
    return await visible_patent_by_number(principal=ctx(info).require(), number=number)


async def enterprise_patents(
    root: strawberry.Parent[m.Enterprise],
    info: Info,
    first: int | None = 20,
    after: str | None = None,
) -> Page[m.Patent | Row]:
    """A page of an enterprise's patents, by key (the columns shown; counted when asked)."""
    n, after_key = page_args(first, after)
    loaders = ctx(info).loaders
    selection = connection_selection(info)
    page = loaders.patent_page(n, after_key, selection.columns(columns.PATENT))
    rows: list[m.Patent | Row] = list(await page.load(root.id))
    total = await loaders.patent_count.load(root.id) if selection.count else None
    return page_of(rows, n, total)


async def litigation_patents(root: strawberry.Parent[m.Litigation], info: Info) -> list[m.Patent]:
    """The patents a case is about, those the caller may see."""
    ids = await ctx(info).loaders.litigation_patent_ids.load(root.id)
    return await visible_patents(info, ids)
