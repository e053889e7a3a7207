"""Patent valuations as the API shows them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

import resolvers.valuation
from db import models as m
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.patent import Patent

# a stored driver is a dict: {"name", "contribution"}
Driver = dict[str, Any]


def _driver_name(root: strawberry.Parent[Driver]) -> str:
    return str(root["name"])


def _contribution(root: strawberry.Parent[Driver]) -> float:
    return float(root["contribution"])


@strawberry.type(description="One input's contribution to a patent's value.")
class ValueDriver:
    name: str = strawberry.field(
        resolver=_driver_name, description="The input, e.g. forward_citations."
    )
    contribution: float = strawberry.field(
        resolver=_contribution, description="Its contribution to the value, CNY."
    )


def _drivers(root: strawberry.Parent[m.Valuation]) -> list[Driver]:
    return list(root.drivers)


@strawberry.type(description="A patent valuation with interval and pledge value.")
class Valuation:
    id: strawberry.ID = opaque_id("Valuation")
    value: Decimal = strawberry.field(description="Estimated value, CNY.")
    low: Decimal = strawberry.field(description="Low end of the interval, CNY.")
    high: Decimal = strawberry.field(description="High end of the interval, CNY.")
    pledge_value: Decimal = strawberry.field(description="Value the bank lends against, CNY.")
    method: str = strawberry.field(description="How the value was reached.")
    model_version: str = strawberry.field(description="Version of the valuation model.")
    drivers: list[ValueDriver] = strawberry.field(
        resolver=_drivers, description="Contributions of each input."
    )
    created_at: datetime = strawberry.field(description="When it was valued.")
    patent: Patent = strawberry.field(
        resolver=resolvers.valuation.valuation_patent, description="The patent valued."
    )


@strawberry.type(description="The result of valuing a patent.")
class ValuationPayload:
    valuation: Valuation | None = strawberry.field(description="The new valuation.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


__all__ = ["Valuation", "ValuationPayload", "ValueDriver"]
