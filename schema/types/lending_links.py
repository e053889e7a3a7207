"""Enterprise -> applications and loans (kept apart to avoid an import cycle)."""

from __future__ import annotations

from strawberry.types import Info

from db import models as m
from domain.applications import service as apps
from domain.reads import lending as reads
from schema.ids import encode_cursor
from schema.pagination import page_args, slice_page
from schema.types.lending import (
    Loan,
    LoanApplication,
    LoanApplicationConnection,
    LoanApplicationEdge,
)
from schema.types.world import ctx


async def enterprise_applications(
    info: Info, enterprise_id: int, first: int | None, after: str | None
) -> LoanApplicationConnection:
    """A page of an enterprise's applications, newest first, batched per request."""
    n, after_key = page_args(first, after)

    async def load(ids: list[int]) -> list[list[m.LoanApplication]]:
        return await apps.applications_by_enterprise_ids(enterprise_ids=ids)

    rows = await ctx(info).loader("apps_by_enterprise", load).load(enterprise_id)
    total = len(rows)
    if after_key is not None:
        rows = [r for r in rows if r.id < after_key]
    page, page_info = slice_page(rows[: n + 1], n, lambda r: r.id)
    return LoanApplicationConnection(
        edges=[
            LoanApplicationEdge(cursor=encode_cursor(r.id), node=LoanApplication.of(r))
            for r in page
        ],
        page_info=page_info,
        total_count=total,
    )


async def enterprise_loans(info: Info, enterprise_id: int) -> list[Loan]:
    """An enterprise's loans, batched per request."""
    rows = (
        await ctx(info).loader("loans_by_enterprise", reads.loans_by_enterprise).load(enterprise_id)
    )
    return [Loan.of(r) for r in rows]


__all__ = ["enterprise_applications", "enterprise_loans"]
