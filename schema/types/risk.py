"""Valuations as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from db import models as m
from domain.reads.risk import latest_valuations
from schema.ids import encode_id
from schema.types.world import Patent, ctx


@strawberry.type(description="One input's contribution to a patent's value.")
class ValueDriver:
    name: str = strawberry.field(description="The input, e.g. forward_citations.")
    contribution: float = strawberry.field(description="Its contribution to the value, CNY.")


@strawberry.type(description="A patent valuation with interval and pledge value.")
class Valuation:
    _m: strawberry.Private[m.Valuation]
    _patent: strawberry.Private[m.Patent | None]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    value: Decimal = strawberry.field(description="Estimated value, CNY.")
    low: Decimal = strawberry.field(description="Low end of the interval, CNY.")
    high: Decimal = strawberry.field(description="High end of the interval, CNY.")
    pledge_value: Decimal = strawberry.field(description="Value the bank lends against, CNY.")
    method: str = strawberry.field(description="How the value was reached.")
    model_version: str = strawberry.field(description="Version of the valuation model.")
    drivers: list[ValueDriver] = strawberry.field(description="Contributions of each input.")
    created_at: datetime = strawberry.field(description="When it was valued.")

    @classmethod
    def of(cls, r: m.Valuation, patent: m.Patent | None = None) -> Valuation:
        """The API view of a record."""
        return cls(
            _m=r,
            _patent=patent,
            id=strawberry.ID(encode_id("Valuation", r.id)),
            value=r.value,
            low=r.low,
            high=r.high,
            pledge_value=r.pledge_value,
            method=r.method,
            model_version=r.model_version,
            drivers=[
                ValueDriver(name=str(d["name"]), contribution=float(d["contribution"]))
                for d in r.drivers
            ],
            created_at=r.created_at,
        )

    @strawberry.field(description="The patent valued.")
    async def patent(self, info: Info) -> Patent:
        if self._patent is not None:
            return Patent.of(self._patent)
        from domain.reads.world import patents_by_ids

        r = await ctx(info).loader("patent", patents_by_ids).load(self._m.patent_id)  # type: ignore[attr-defined]
        return Patent.of(r)


async def load_latest_valuation(info: Info, patent_id: int) -> Valuation | None:
    """The latest valuation of a patent, batched per request."""

    async def load(ids: Sequence[int]) -> list[m.Valuation | None]:
        return await latest_valuations(ids)

    r = await ctx(info).loader("latest_valuation", load).load(patent_id)  # type: ignore[arg-type]
    return Valuation.of(r) if r is not None else None
