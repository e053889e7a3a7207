"""Court cases and their parties as the API shows them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

import resolvers.enterprise
import resolvers.litigation
import resolvers.patent
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise
from schema.types.patent import Patent


@strawberry.type(description="A party to a case.")
class LitigationParty:
    role: str = strawberry.field(description="plaintiff, defendant or third_party.")
    enterprise: Enterprise | None = strawberry.field(
        resolver=resolvers.enterprise.party_enterprise,
        description="The party, when the caller may see it.",
    )


@strawberry.type(description="A court case.")
class Litigation:
    id: strawberry.ID = opaque_id("Litigation")
    case_no: str = strawberry.field(description="Case number, e.g. (2024)皖01民初123号.")
    cause: str = strawberry.field(
        description="contract_dispute, loan_dispute, ip_infringement, ..."
    )
    status: str = strawberry.field(description="pending, judged, settled, enforcing or closed.")
    amount: Decimal | None = strawberry.field(description="Money at stake, CNY.")
    filed_on: date | None = strawberry.field(description="Filing date.")
    parties: list[LitigationParty] = strawberry.field(
        resolver=resolvers.litigation.litigation_parties, description="Parties and their roles."
    )
    patents: list[Patent] = strawberry.field(
        resolver=resolvers.patent.litigation_patents,
        description="Patents the case is about (those the caller may see).",
    )


__all__ = ["Litigation", "LitigationParty"]
