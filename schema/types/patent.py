"""Patents as the API shows them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

import resolvers.enterprise
import resolvers.litigation
import resolvers.pledge
import resolvers.valuation
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise

if TYPE_CHECKING:
    from schema.pledges import PatentPledge
    from schema.types.litigation import Litigation
    from schema.types.valuation import Valuation


@strawberry.type(description="A patent and its legal state.")
class Patent:
    id: strawberry.ID = opaque_id("Patent")
    number: str = strawberry.field(description="Publication number, e.g. CN112345678B.")
    title: str = strawberry.field(description="Title.")
    kind: str = strawberry.field(description="invention, utility_model or design.")
    ipc: str | None = strawberry.field(description="Main IPC class, e.g. G06N3/08.")
    status: str = strawberry.field(description="pending, granted, lapsed, invalidated or expired.")
    filed_on: date | None = strawberry.field(description="Filing date.")
    granted_on: date | None = strawberry.field(description="Grant date; null while pending.")
    claims: int | None = strawberry.field(description="Number of claims.")
    forward_citations: int = strawberry.field(description="Times cited by later patents.")
    owner: Enterprise | None = strawberry.field(
        resolver=resolvers.enterprise.patent_owner,
        description="The current owner, when the caller may see it.",
    )
    litigations: list[Annotated[Litigation, strawberry.lazy("schema.types.litigation")]] = (
        strawberry.field(
            resolver=resolvers.litigation.patent_litigations,
            description="Court cases about this patent.",
        )
    )
    latest_valuation: Annotated[Valuation, strawberry.lazy("schema.types.valuation")] | None = (
        strawberry.field(
            resolver=resolvers.valuation.patent_latest_valuation,
            description="The most recent valuation, if any.",
        )
    )
    pledge: Annotated[PatentPledge, strawberry.lazy("schema.pledges")] | None = strawberry.field(
        resolver=resolvers.pledge.patent_pledge,
        description="The standing pledge to the bank as registered with the patent office; "
        "null when the patent is not pledged.",
    )
    pledged: bool = strawberry.field(description="Pledged to the bank (a standing registration).")


__all__ = ["Patent"]
