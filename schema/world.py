"""Queries over enterprises, patents and products."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from db import models as m
from domain.reads import world as reads
from schema.ids import decode_id, encode_cursor
from schema.pagination import page_args, slice_page
from schema.types.product import LoanProduct
from schema.types.world import (
    Enterprise,
    EnterpriseConnection,
    EnterpriseEdge,
    Patent,
    ctx,
    load_enterprise,
)


@strawberry.type
class WorldQuery:
    @strawberry.field(description="An enterprise by id (null when unknown or not yours).")
    async def enterprise(self, info: Info, id: strawberry.ID) -> Enterprise | None:
        ctx(info).require()
        return await load_enterprise(info, decode_id(str(id), "Enterprise"))

    @strawberry.field(description="An enterprise by USCC (null when unknown or not yours).")
    async def enterprise_by_uscc(self, info: Info, uscc: str) -> Enterprise | None:
        principal = ctx(info).require()
        code = uscc.strip().upper()
        if len(code) != 18:
            return None
        r = await m.Enterprise.get_or_none(uscc=code)
        if r is None or not principal.can_see_enterprise(r.id):
            return None
        return Enterprise.of(r)

    @strawberry.field(description="Enterprises by name or USCC prefix; applicants see their own.")
    async def enterprises(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        search: str | None = None,
    ) -> EnterpriseConnection:
        principal = ctx(info).require()
        n, after_key = page_args(first, after)
        rows, total = await reads.search_enterprises(
            principal=principal, search=search, first=n, after=after_key
        )
        page, page_info = slice_page(rows, n, lambda r: r.id)
        return EnterpriseConnection(
            edges=[EnterpriseEdge(cursor=encode_cursor(r.id), node=Enterprise.of(r)) for r in page],
            page_info=page_info,
            total_count=total,
        )

    @strawberry.field(
        description="A patent by publication number (null when unknown or not yours)."
    )
    async def patent(self, info: Info, number: str) -> Patent | None:
        principal = ctx(info).require()
        number = number.strip()
        if not 0 < len(number) <= 32:
            return None
        r = await m.Patent.get_or_none(number=number)
        if r is None:
            return None
        owner = r.owner_id  # type: ignore[attr-defined]
        if owner is not None and not principal.can_see_enterprise(owner):
            return None
        if owner is None and not principal.is_staff:
            return None
        return Patent.of(r)

    @strawberry.field(description="Loan products on offer (public).")
    async def loan_products(self) -> list[LoanProduct]:
        return [LoanProduct.of(r) for r in await reads.active_products()]
