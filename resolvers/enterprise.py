"""Enterprises: by id, by USCC, search, and an enterprise's tax years."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from db import models as m
from db.rows import Row
from domain.enterprise.reads import search_enterprises, visible_enterprise_by_uscc
from resolvers import columns
from resolvers.connection import Page, page_args, page_of
from resolvers.context import ctx
from resolvers.errors import forbidden, graphql_error
from resolvers.ids import decode_id
from resolvers.selection import connection_selection


async def visible_enterprise(info: Info, enterprise_id: int | None) -> m.Enterprise | None:
    """An enterprise the caller may see, through the request's loader; None otherwise. An
    account not verified yet sees its own enterprise, whose fields beyond id, USCC and name
    then answer UNVERIFIED."""
    if enterprise_id is None:
        return None
    c = ctx(info)
    principal = c.require()
    if not (
        principal.can_see_enterprise(enterprise_id) or principal.own_enterprise_id == enterprise_id
    ):
        return None
    return await c.loaders.enterprise.load(enterprise_id)


def require_enterprise_data(info: Info, enterprise_id: int) -> None:
    """Allow reading an enterprise's data (every field beyond id, USCC and name): staff and
    the enterprise's verified users; a top-level UNVERIFIED error for its other accounts."""
    principal = ctx(info).require()
    if principal.can_see_enterprise(enterprise_id):
        return
    if principal.unverified and principal.own_enterprise_id == enterprise_id:
        raise graphql_error(principal.unverified_error())
    raise forbidden("not allowed for this enterprise")


async def required_enterprise(info: Info, enterprise_id: int) -> m.Enterprise:
    """An enterprise the caller may see because it may see a record that points to it."""
    found = await visible_enterprise(info, enterprise_id)
    assert found is not None
    return found


async def enterprise(info: Info, id: strawberry.ID) -> m.Enterprise | None:
    """An enterprise by opaque id, when the caller may see it."""
    ctx(info).require()
    return await visible_enterprise(info, decode_id(str(id), "Enterprise"))


async def enterprise_by_uscc(info: Info, uscc: str) -> m.Enterprise | None:
    """An enterprise by USCC, when the caller may see it (an account not verified yet: its
    own, for its id, USCC and name)."""
    principal = ctx(info).require()
    found = await visible_enterprise_by_uscc(principal=principal, uscc=uscc)
    if found is None and principal.unverified:
        own = await visible_enterprise(info, principal.own_enterprise_id)
        return own if own is not None and own.uscc == uscc.strip().upper() else None
    return found


async def enterprises(
    info: Info, first: int | None = 20, after: str | None = None, search: str | None = None
) -> Page[m.Enterprise | Row]:
    """A page of the enterprises the caller may see, by name or USCC prefix: only the columns
    the query shows, counted only when it asks for totalCount."""
    principal = ctx(info).require()
    n, after_key = page_args(first, after)
    selection = connection_selection(info)
    found = await search_enterprises(
        principal=principal,
        search=search,
        first=n,
        after=after_key,
        count=selection.count,
        columns=selection.columns(columns.ENTERPRISE),
    )
    return page_of(found.rows, n, found.total_count)


async def tax_records(root: strawberry.Parent[m.Enterprise], info: Info) -> list[m.TaxRecord]:
    """An enterprise's tax years, oldest first."""
    return await ctx(info).loaders.tax_records.load(root.id)


async def party_enterprise(
    root: strawberry.Parent[m.LitigationParty], info: Info
) -> m.Enterprise | None:
    """A party to a case, when the caller may see it."""
    return await visible_enterprise(info, root.enterprise_id)  # type: ignore[attr-defined]


async def patent_owner(root: strawberry.Parent[m.Patent], info: Info) -> m.Enterprise | None:
    """A patent's owner, when the caller may see it."""
    return await visible_enterprise(info, root.owner_id)  # type: ignore[attr-defined]


async def user_enterprise(root: strawberry.Parent[m.User], info: Info) -> m.Enterprise | None:
    """An applicant's enterprise; None for staff."""
    return await visible_enterprise(info, root.enterprise_id)  # type: ignore[attr-defined]
