"""Root fields of indicators."""

from __future__ import annotations

import strawberry

import resolvers.indicator
from schema.types.indicator import IndicatorDefinition


@strawberry.type
class IndicatorQuery:
    indicator_definitions: list[IndicatorDefinition] = strawberry.field(
        resolver=resolvers.indicator.indicator_definitions,
        description="Every indicator the bank computes (public).",
    )
