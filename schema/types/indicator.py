"""Indicator definitions and values as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.indicators.registry import IndicatorDefinition as Definition


def _unit(root: strawberry.Parent[Definition]) -> str | None:
    return root.unit or None


@strawberry.type(description="What an indicator measures.")
class IndicatorDefinition:
    code: str = strawberry.field(
        description="Stable code, e.g. jud.def.365d.ip_infringement.count."
    )
    name: str = strawberry.field(description="Short name.")
    category: str = strawberry.field(description="registration, judicial, tax, financial, ip, ...")
    source: str = strawberry.field(description="Where the data comes from.")
    description: str = strawberry.field(description="What it measures, in words.")
    unit: str | None = strawberry.field(resolver=_unit, description="Unit, if any.")
    direction: str = strawberry.field(description="risk_up when higher is riskier, else risk_down.")


@strawberry.type(description="An indicator's value for an enterprise, as of a moment.")
class IndicatorValue:
    definition: IndicatorDefinition = strawberry.field(description="What it measures.")
    value: float | None = strawberry.field(description="The value; null when not computable.")
    as_of: datetime = strawberry.field(description="As of when.")


@strawberry.type(description="An indicator's value as of one snapshot.")
class IndicatorPoint:
    as_of: datetime = strawberry.field(description="The snapshot's moment.")
    value: float | None = strawberry.field(description="The value; null when not computable.")


@strawberry.type(description="One indicator's values in an enterprise's last snapshots.")
class IndicatorSeries:
    definition: IndicatorDefinition = strawberry.field(description="What it measures.")
    points: list[IndicatorPoint] = strawberry.field(description="Values, oldest first.")


__all__ = ["IndicatorDefinition", "IndicatorPoint", "IndicatorSeries", "IndicatorValue"]
