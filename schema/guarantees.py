"""Root fields of guarantee programmes (见贷即保): the guarantor's and the bank's lists of
guarantees and claims, signing a guarantee, filing and paying claims."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

import resolvers.guarantee as r
from schema.types.guarantee import (
    Guarantee,
    GuaranteeClaim,
    GuaranteeClaimPayload,
    GuaranteePayload,
)


def _guarantee_payload(result: r.GuaranteeResult) -> GuaranteePayload:
    view = None if result.view is None else Guarantee(view=result.view)
    return GuaranteePayload(guarantee=view, errors=result.errors)  # type: ignore[arg-type]


def _claim_payload(result: r.ClaimResult) -> GuaranteeClaimPayload:
    view = None if result.view is None else GuaranteeClaim(view=result.view)
    return GuaranteeClaimPayload(claim=view, errors=result.errors)  # type: ignore[arg-type]


async def _guarantees(info: Info, status: str | None = None) -> list[Guarantee]:
    return [Guarantee(view=v) for v in await r.guarantees(info, status)]


async def _claims(info: Info, status: str | None = None) -> list[GuaranteeClaim]:
    return [GuaranteeClaim(view=v) for v in await r.guarantee_claims(info, status)]


async def _sign(info: Info, guarantee_id: strawberry.ID, otp: str) -> GuaranteePayload:
    return _guarantee_payload(await r.sign_guarantee(info, guarantee_id, otp))


async def _file(info: Info, loan_id: strawberry.ID) -> GuaranteeClaimPayload:
    return _claim_payload(await r.file_guarantee_claim(info, loan_id))


async def _pay(
    info: Info, claim_id: strawberry.ID, amount: Decimal, received_at: datetime | None = None
) -> GuaranteeClaimPayload:
    return _claim_payload(await r.pay_guarantee_claim(info, claim_id, amount, received_at))


@strawberry.type
class GuaranteeQuery:
    guarantees: list[Guarantee] = strawberry.field(
        resolver=_guarantees,
        description="Guarantees, newest first, optionally of one status (bank staff: all; a "
        "guarantor's staff: their own institution's programmes only).",
    )
    guarantee_claims: list[GuaranteeClaim] = strawberry.field(
        resolver=_claims,
        description="Claims on guarantees, newest first; status FILED, OVERDUE (filed and past "
        "its due date), PAID or REJECTED (bank staff: all; a guarantor: its own).",
    )


@strawberry.type
class GuaranteeMutation:
    sign_guarantee: GuaranteePayload = strawberry.mutation(
        resolver=_sign,
        description="The guarantor's staff sign a guarantee contract as their institution, "
        "with a one-time code of their second factor: the guarantee becomes ACTIVE.",
    )
    file_guarantee_claim: GuaranteeClaimPayload = strawberry.mutation(
        resolver=_file,
        description="File the bank's claim on a guaranteed drawing at least the programme's "
        "trigger days past due (loan officers and risk managers; else CLAIM_NOT_DUE). One per "
        "loan; honours Idempotency-Key.",
    )
    pay_guarantee_claim: GuaranteeClaimPayload = strawberry.mutation(
        resolver=_pay,
        description="Record the guarantor's payment of a claim, in full (its own staff, or the "
        "bank's staff booking the receipt): the loan is SETTLED_BY_GUARANTOR and the bank's "
        "share is written off for recovery. Honours Idempotency-Key.",
    )


__all__ = ["GuaranteeMutation", "GuaranteeQuery"]
