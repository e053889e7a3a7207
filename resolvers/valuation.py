"""Patent valuations: the latest one, the patent valued, valuing now."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from strawberry.types import Info

from db import models as m
from domain.valuation.service import value_patent_for
from resolvers.context import ctx
from resolvers.errors import PayloadError, payload


@dataclass(frozen=True)
class ValuationPayload:
    """A new valuation, or why there is none."""

    valuation: m.Valuation | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def patent_latest_valuation(
    root: strawberry.Parent[m.Patent], info: Info
) -> m.Valuation | None:
    """A patent's most recent valuation, if any."""
    return await ctx(info).loaders.latest_valuation.load(root.id)


async def valuation_patent(root: strawberry.Parent[m.Valuation], info: Info) -> m.Patent | None:
    """The patent a valuation is of."""
    return await ctx(info).loaders.patent.load(root.patent_id)  # type: ignore[attr-defined]


async def value_patent(info: Info, number: str) -> ValuationPayload:
    """Value a patent now with the active valuation model."""
    c = ctx(info)
    principal = c.require()

    async def call() -> m.Valuation:
        valuation, patent = await value_patent_for(principal=principal, number=number)
        c.loaders.patent.prime(patent.id, patent)  # the payload shows it: no second read
        return valuation

    return await payload(ValuationPayload, call)
