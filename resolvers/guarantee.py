"""Guarantee programmes: the guarantor's and the bank's lists, signing a guarantee, filing and
paying claims. Thin: decode ids, one domain call, errors into the payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from domain.credit import claims as claim_service
from domain.credit import guarantee_signing as guarantee_service
from domain.credit.guarantee_reads import (
    ClaimView,
    GuaranteeView,
    claim_views,
    guarantee_views,
    list_claims,
    list_guarantees,
)
from domain.errors import DomainError, Forbidden
from resolvers.context import ctx
from resolvers.errors import PayloadError, graphql_error, payload
from resolvers.idempotency import once
from resolvers.ids import decode_or_raise

PAYERS_ONLY = "a claim's payment is recorded by the guarantor or the bank's staff"


@dataclass(frozen=True)
class GuaranteeResult:
    """A guarantee after an operation, or why it failed."""

    view: GuaranteeView | None = None
    errors: list[PayloadError] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimResult:
    """A claim after an operation, or why it failed."""

    view: ClaimView | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def guarantees(info: Info, status: str | None = None) -> list[GuaranteeView]:
    """Guarantees the caller may see (bank staff: all; a guarantor: its own programmes')."""
    principal = ctx(info).require()
    try:
        return await list_guarantees(principal=principal, status=status)
    except DomainError as exc:
        raise graphql_error(exc) from None


async def guarantee_claims(info: Info, status: str | None = None) -> list[ClaimView]:
    """Claims the caller may see, newest first."""
    principal = ctx(info).require()
    try:
        return await list_claims(principal=principal, status=status)
    except DomainError as exc:
        raise graphql_error(exc) from None


async def _guarantee_view(pk: int) -> GuaranteeView:
    from db.models import Guarantee

    (view,) = await guarantee_views([await Guarantee.get(id=pk)])
    return view


async def _claim_view(pk: int) -> ClaimView:
    from db.models import GuaranteeClaim

    (view,) = await claim_views([await GuaranteeClaim.get(id=pk)], today=datetime.now(UTC).date())
    return view


async def sign_guarantee(info: Info, guarantee_id: strawberry.ID, otp: str) -> GuaranteeResult:
    """The guarantor's staff sign the guarantee contract with a one-time code."""
    principal = ctx(info).require()

    async def call() -> GuaranteeView:
        if not principal.is_guarantor:
            principal.guarantor_institution_id()  # FORBIDDEN before any argument is read
        pk = decode_or_raise(str(guarantee_id), "Guarantee", "guaranteeId")
        signed = await guarantee_service.sign_guarantee(
            principal=principal, guarantee_id=pk, otp=otp
        )
        return await _guarantee_view(signed.id)

    return await payload(GuaranteeResult, call)


async def file_guarantee_claim(info: Info, loan_id: strawberry.ID) -> ClaimResult:
    """The bank files its claim on a defaulted guaranteed drawing, once per Idempotency-Key
    (and once per loan whatever the key)."""
    principal = ctx(info).require()
    if principal.role not in claim_service.CLAIM_FILERS:
        try:
            principal.require_role(*sorted(claim_service.CLAIM_FILERS))
        except DomainError as exc:
            return ClaimResult(errors=[PayloadError.of(exc)])

    async def call() -> int:
        pk = decode_or_raise(str(loan_id), "Loan", "loanId", message="no such loan")
        return (await claim_service.file_claim(principal=principal, loan_id=pk)).id

    return await once(info, ClaimResult, call, reload=_claim_view,
                      operation="fileGuaranteeClaim", arguments={"loanId": str(loan_id)})  # fmt: skip


async def pay_guarantee_claim(
    info: Info, claim_id: strawberry.ID, amount: Decimal, received_at: datetime | None = None
) -> ClaimResult:
    """The guarantor's payment of a claim, recorded by its staff or the bank's, once per
    Idempotency-Key."""
    principal = ctx(info).require()
    if not principal.is_guarantor and principal.role not in claim_service.RECEIPT_BOOKERS:
        return ClaimResult(errors=[PayloadError.of(Forbidden(PAYERS_ONLY))])
    when = received_at or datetime.now(UTC)

    async def call() -> int:
        pk = decode_or_raise(str(claim_id), "GuaranteeClaim", "claimId", message="no such claim")
        paid = await claim_service.pay_claim(
            principal=principal, claim_id=pk, amount=amount, received_at=when
        )
        return paid.id

    arguments = {"claimId": str(claim_id), "amount": str(amount)}
    return await once(info, ClaimResult, call, reload=_claim_view,
                      operation="payGuaranteeClaim", arguments=arguments)  # fmt: skip


__all__ = [
    "ClaimResult",
    "GuaranteeResult",
    "file_guarantee_claim",
    "guarantee_claims",
    "guarantees",
    "pay_guarantee_claim",
    "sign_guarantee",
]
