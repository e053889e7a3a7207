"""Root fields of valuations."""

from __future__ import annotations

import strawberry

import resolvers.valuation
from schema.types.valuation import ValuationPayload


@strawberry.type
class ValuationMutation:
    value_patent: ValuationPayload = strawberry.mutation(
        resolver=resolvers.valuation.value_patent,
        description="Value a patent now with the active valuation model.",
    )
