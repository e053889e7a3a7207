"""Valuations as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db import models as m
from domain.reads.risk import latest_valuations
from schema.ids import encode_id
from schema.types.world import Patent, ctx


@strawberry.type(description="A reason behind a score or decision.")
class ReasonCode:
    code: str = strawberry.field(description="Stable code.")
    description: str = strawberry.field(description="In words, for a loan officer.")
    weight: float = strawberry.field(description="How much it weighed (points or share).")

    @classmethod
    def of(cls, r: dict[str, Any]) -> ReasonCode:
        """The API view of a stored reason."""
        return cls(
            code=str(r.get("code")),
            description=str(r.get("description", "")),
            weight=float(r.get("weight") or 0.0),
        )


@strawberry.type(description="A credit score with probability of default and graph risk.")
class RiskScore:
    score: int = strawberry.field(description="Scorecard points (higher is safer).")
    grade: str = strawberry.field(description="Grade band.")
    probability_of_default: float = strawberry.field(description="12-month probability of default.")
    graph_risk: float = strawberry.field(
        description="The GNN's probability of default; 0 when no graph model was available."
    )
    reasons: list[ReasonCode] = strawberry.field(description="What pushed the score down most.")
    model_versions: JSON = strawberry.field(description="Versions of every model used.")
    as_of: datetime = strawberry.field(description="As of when.")

    @classmethod
    def of(cls, r: m.RiskScore) -> RiskScore:
        """The API view of a record."""
        return cls(
            score=r.score,
            grade=r.grade,
            probability_of_default=r.probability_of_default,
            graph_risk=r.graph_risk if r.graph_risk is not None else 0.0,
            reasons=[ReasonCode.of(x) for x in r.reasons or []],
            model_versions=r.model_versions,
            as_of=r.as_of,
        )


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
