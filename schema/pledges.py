"""Pledge registration with the patent office: types and root fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

import resolvers.pledge
from schema.errors import UserError
from schema.fields import opaque_id

if TYPE_CHECKING:
    from schema.types.application import LoanApplication
    from schema.types.patent import Patent


@strawberry.type(
    description="A patent's pledge to the bank as registered with the patent office: it stands "
    "from registration until released."
)
class PatentPledge:
    id: strawberry.ID = opaque_id("PatentPledge")
    registration_number: str = strawberry.field(description="The patent office's number.")
    registered_on: date = strawberry.field(description="Date of registration.")
    registered_at: datetime = strawberry.field(description="When the bank recorded it.")
    released_at: datetime | None = strawberry.field(
        description="When released; null while it stands."
    )
    standing: bool = strawberry.field(
        resolver=resolvers.pledge.pledge_standing,
        description="Registered and not released: the patent is pledged to the bank.",
    )
    patent: Annotated[Patent, strawberry.lazy("schema.types.patent")] | None = strawberry.field(
        resolver=resolvers.pledge.pledge_patent,
        description="The pledged patent, with its legal status.",
    )
    pledged_to: Annotated[LoanApplication, strawberry.lazy("schema.types.application")] | None = (
        strawberry.field(
            resolver=resolvers.pledge.pledge_application,
            description="The application (and so the credit line) the pledge secures.",
        )
    )


@strawberry.type(description="The result of a pledge operation.")
class PledgePayload:
    pledge: PatentPledge | None = strawberry.field(description="The pledge registration.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type
class PledgeMutation:
    register_pledge: PledgePayload = strawberry.mutation(
        resolver=resolvers.pledge.register_pledge,
        description="Record the patent office's registration of a pledged patent (staff). "
        "Refused with ALREADY_PLEDGED while the patent has a standing pledge.",
    )
    release_pledge: PledgePayload = strawberry.mutation(
        resolver=resolvers.pledge.release_pledge,
        description="Release a patent's pledge once no loan of its credit line relies on it "
        "(staff).",
    )


__all__ = ["PatentPledge", "PledgeMutation", "PledgePayload"]
