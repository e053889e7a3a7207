"""Indicators, valuations, model cards."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.errors import DomainError
from domain.indicators.registry import IndicatorDefinition as Definition
from domain.indicators.service import indicator_definitions
from domain.reads.risk import model_cards
from schema.errors import UserError, user_errors
from schema.types.risk import Valuation
from schema.types.world import ctx


@strawberry.type(description="What an indicator measures.")
class IndicatorDefinition:
    code: str = strawberry.field(
        description="Stable code, e.g. jud.def.365d.ip_infringement.count."
    )
    name: str = strawberry.field(description="Short name.")
    category: str = strawberry.field(description="registration, judicial, tax, financial, ip, ...")
    source: str = strawberry.field(description="Where the data comes from.")
    description: str = strawberry.field(description="What it measures, in words.")
    unit: str | None = strawberry.field(description="Unit, if any.")
    direction: str = strawberry.field(description="risk_up when higher is riskier, else risk_down.")

    @classmethod
    def of(cls, d: Definition) -> IndicatorDefinition:
        """The API view of a definition."""
        return cls(
            code=d.code,
            name=d.name,
            category=d.category,
            source=d.source,
            description=d.description,
            unit=d.unit or None,
            direction=d.direction,
        )


@strawberry.type(description="An indicator's value for an enterprise, as of a moment.")
class IndicatorValue:
    definition: IndicatorDefinition = strawberry.field(description="What it measures.")
    value: float | None = strawberry.field(description="The value; null when not computable.")
    as_of: datetime = strawberry.field(description="As of when.")


@strawberry.type(description="A trained model: version, when, on what data, how good.")
class ModelCard:
    name: str = strawberry.field(description="valuation, scorecard, gnn, ...")
    version: str = strawberry.field(description="Version recorded with every decision.")
    trained_at: datetime | None = strawberry.field(description="When it was trained.")
    metrics: JSON = strawberry.field(description="AUC, KS, calibration, baselines...")
    description: str = strawberry.field(description="What it is and how far to trust it.")


@strawberry.type(description="The result of valuing a patent.")
class ValuationPayload:
    valuation: Valuation | None = strawberry.field(description="The new valuation.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type
class RiskQuery:
    @strawberry.field(description="Every indicator the bank computes (public).")
    def indicator_definitions(self, category: str | None = None) -> list[IndicatorDefinition]:
        return [IndicatorDefinition.of(d) for d in indicator_definitions(category=category)]

    @strawberry.field(description="Model cards of the models in service and before (staff).")
    async def models(self, info: Info) -> list[ModelCard]:
        ctx(info).require_staff()
        return [
            ModelCard(
                name=c.name,
                version=c.version,
                trained_at=c.trained_at,
                metrics=c.metrics,
                description=c.description + ("" if c.active else " (not in service)"),
            )
            for c in await model_cards()
        ]


@strawberry.type
class RiskMutation:
    @strawberry.mutation(description="Value a patent now with the active valuation model.")
    async def value_patent(self, info: Info, number: str) -> ValuationPayload:
        from domain.valuation.service import value_patent_for

        principal = ctx(info).require()
        try:
            valuation, patent = await value_patent_for(principal=principal, number=number)
        except DomainError as exc:
            return ValuationPayload(valuation=None, errors=user_errors(exc))
        return ValuationPayload(valuation=Valuation.of(valuation, patent), errors=[])
