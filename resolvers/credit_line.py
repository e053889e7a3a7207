"""Credit lines: reading them, drawing on them (the borrower), and staff changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import strawberry
from strawberry.types import Info

from db import models as m
from domain.accounts.principal import Principal
from domain.credit import drawdown as drawing
from domain.credit import line_reads, lines
from domain.credit.guarantee_reads import GuaranteeView
from domain.credit.line_reads import available_of
from domain.errors import DomainError, Forbidden
from domain.lending import loans
from resolvers.context import ctx
from resolvers.enterprise import required_enterprise
from resolvers.errors import PayloadError, forbidden, payload
from resolvers.idempotency import once
from resolvers.ids import decode_or_raise, readable_or_none


@dataclass(frozen=True)
class DrawdownPayload:
    """The loan a drawing made, or why it was refused."""

    loan: m.Loan | None = None
    errors: list[PayloadError] = field(default_factory=list)


@dataclass(frozen=True)
class CreditLinePayload:
    """A credit line after a change, or why the change failed."""

    credit_line: m.CreditLine | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def credit_line(info: Info, id: strawberry.ID) -> m.CreditLine | None:
    """A credit line by opaque id; None when unknown or not the caller's."""
    principal = ctx(info).require()
    return await readable_or_none(
        str(id),
        "CreditLine",
        lambda pk: line_reads.get_line_or_raise(principal=principal, line_id=pk),
    )


async def credit_lines(
    info: Info, status: lines.LineStatus | None = None, first: int | None = 50
) -> list[m.CreditLine]:
    """The lines the caller may see, newest first (staff: all; an applicant: its own)."""
    principal = ctx(info).require()
    return await line_reads.list_lines(
        principal=principal,
        status=None if status is None else status.value,
        first=50 if first is None else first,
    )


async def line_guarantee(root: strawberry.Parent[m.CreditLine], info: Info) -> GuaranteeView | None:
    """The line's guarantee, if its product has a guarantee programme."""
    return await ctx(info).loaders.line_guarantee.load(root.id)


async def loan_credit_line(root: strawberry.Parent[m.Loan], info: Info) -> m.CreditLine | None:
    """The credit line a loan was drawn on (None for loans paid out before lines existed)."""
    if root.credit_line_id is None:
        return None
    return await ctx(info).loaders.credit_line.load(root.credit_line_id)


async def application_credit_line(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> m.CreditLine | None:
    """The line the application granted, once its line contract is signed."""
    return await ctx(info).loaders.application_credit_line.load(root.id)


async def line_available(root: strawberry.Parent[m.CreditLine], info: Info) -> Decimal:
    """What can still be drawn."""
    return available_of(root, await ctx(info).loaders.line_use.load(root.id))


async def line_drawn(root: strawberry.Parent[m.CreditLine], info: Info) -> Decimal:
    """What counts against the limit."""
    use = await ctx(info).loaders.line_use.load(root.id)
    return use.drawn(revolving=root.revolving)


async def line_loans(root: strawberry.Parent[m.CreditLine], info: Info) -> list[m.Loan]:
    """The line's loans in drawing order."""
    return await ctx(info).loaders.line_loans.load(root.id)


async def line_changes(
    root: strawberry.Parent[m.CreditLine], info: Info
) -> list[m.CreditLineChange]:
    """The line's history, oldest first (bank staff; empty for others)."""
    if not ctx(info).require().is_staff:
        return []
    return await ctx(info).loaders.line_changes.load(root.id)


async def line_enterprise(root: strawberry.Parent[m.CreditLine], info: Info) -> m.Enterprise:
    """The borrower."""
    return await required_enterprise(info, root.enterprise_id)  # type: ignore[attr-defined]


async def drawdown(
    info: Info,
    line_id: strawberry.ID,
    amount: Decimal,
    term_months: int,
    otp: str | None = None,
) -> DrawdownPayload:
    """The borrower draws on its line, once per Idempotency-Key."""
    principal = ctx(info).require()
    if principal.role != m.Role.APPLICANT:  # refused before any idempotency record is written
        refusal = Forbidden("only the borrower draws on its credit line")
        return DrawdownPayload(errors=[PayloadError.of(refusal)])

    async def call() -> int:
        loan = await drawing.drawdown(
            principal=principal,
            line_id=decode_or_raise(str(line_id), "CreditLine", "lineId"),
            amount=amount,
            term_months=term_months,
            otp=otp,
        )
        return loan.id

    return await once(
        info,
        DrawdownPayload,
        call,
        reload=lambda pk: loans.get_loan_or_raise(principal=principal, loan_id=pk),
        operation="drawdown",
        # the one-time code is not kept: a retry of the same drawing is the same request
        arguments={"lineId": str(line_id), "amount": str(amount), "termMonths": term_months},
    )


def _line_id(value: strawberry.ID) -> int:
    return decode_or_raise(str(value), "CreditLine", "lineId")


def _line_staff(info: Info) -> Principal:
    """The caller, if it may change credit lines (loan officers, risk managers)."""
    principal = ctx(info).require_staff()
    try:
        principal.require_role(*lines.LINE_STAFF)
    except DomainError as exc:
        raise forbidden(exc.message) from None
    return principal


async def freeze_credit_line(info: Info, line_id: strawberry.ID, reason: str) -> CreditLinePayload:
    """Staff freeze a line."""
    principal = _line_staff(info)
    return await payload(
        CreditLinePayload,
        lambda: lines.freeze_line(principal=principal, line_id=_line_id(line_id), reason=reason),
    )


async def unfreeze_credit_line(
    info: Info, line_id: strawberry.ID, reason: str
) -> CreditLinePayload:
    """Staff unfreeze a line with a reason."""
    principal = _line_staff(info)
    return await payload(
        CreditLinePayload,
        lambda: lines.unfreeze_line(principal=principal, line_id=_line_id(line_id), reason=reason),
    )


async def reduce_credit_line(
    info: Info, line_id: strawberry.ID, new_limit: Decimal, reason: str
) -> CreditLinePayload:
    """Staff lower a line's limit."""
    principal = _line_staff(info)
    return await payload(
        CreditLinePayload,
        lambda: lines.reduce_line(
            principal=principal, line_id=_line_id(line_id), new_limit=new_limit, reason=reason
        ),
    )


async def close_credit_line(info: Info, line_id: strawberry.ID, reason: str) -> CreditLinePayload:
    """Staff close a line (loans already drawn run on)."""
    principal = _line_staff(info)
    return await payload(
        CreditLinePayload,
        lambda: lines.close_line(principal=principal, line_id=_line_id(line_id), reason=reason),
    )
