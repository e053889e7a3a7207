"""Subsidy claim statements, filing claims and recording the sponsor's payment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.types import Info

from db import models as m
from domain.credit import subsidy_claims as claims
from domain.credit.subsidy import CLAIMANTS
from domain.errors import DomainError
from resolvers.errors import PayloadError, graphql_error, payload
from resolvers.ids import decode_id
from resolvers.loanbook import in_role_order, require_roles
from resolvers.loanbook_changes import refusal

ROLES = in_role_order(CLAIMANTS)


@dataclass(frozen=True)
class ClaimPayload:
    """A filed claim's statement, or why not."""

    statement: claims.Statement | None = None
    errors: list[PayloadError] = field(default_factory=list)


@dataclass(frozen=True)
class PaymentPayload:
    """A paid claim, or why not."""

    claim: m.SubsidyClaim | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def subsidy_statement(info: Info, programme_code: str, quarter: str) -> Any:
    """The programme's statement for the quarter (loan officers and risk managers)."""
    principal = require_roles(info, *ROLES)
    try:
        return await claims.statement(
            principal=principal, programme_code=programme_code, quarter=quarter
        )
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def file_subsidy_claim(info: Info, programme_code: str, quarter: str) -> Any:
    """Freeze the quarter's statement into the programme's claim."""
    principal, refused = refusal(info, ClaimPayload, *ROLES)
    if refused is not None:
        return refused
    return await payload(
        ClaimPayload,
        lambda: claims.file_claim(
            principal=principal, programme_code=programme_code, quarter=quarter
        ),
    )


async def record_subsidy_payment(info: Info, claim_id: strawberry.ID) -> Any:
    """The sponsor paid the claim: it becomes PAID and the receivable is cleared."""
    principal, refused = refusal(info, PaymentPayload, *ROLES)
    if refused is not None:
        return refused
    key = decode_id(str(claim_id), "SubsidyClaim") or 0  # no claim has id 0: NOT_FOUND
    return await payload(
        PaymentPayload, lambda: claims.record_payment(principal=principal, claim_id=key)
    )
