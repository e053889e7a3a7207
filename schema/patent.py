"""Root fields of patents."""

from __future__ import annotations

import strawberry

import resolvers.patent
from schema.types.patent import Patent


@strawberry.type
class PatentQuery:
    patent: Patent | None = strawberry.field(
        resolver=resolvers.patent.patent,
        description="A patent by publication number (null when unknown or not yours).",
    )
