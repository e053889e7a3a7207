"""Indicators: the registry's definitions and an enterprise's latest values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import strawberry
from strawberry.types import Info

from db import models as m
from domain.indicators.history import (
    IndicatorSeries,
    check_points,
    history_definitions,
    series,
)
from domain.indicators.registry import IndicatorDefinition
from domain.indicators.service import indicator_definitions as registered_definitions
from domain.indicators.service import indicator_readings
from resolvers.context import ctx


@dataclass(frozen=True)
class IndicatorValue:
    """An indicator's value for an enterprise, as of the snapshot it comes from."""

    definition: IndicatorDefinition
    value: float | None
    as_of: datetime


def indicator_definitions(category: str | None = None) -> list[IndicatorDefinition]:
    """Every indicator the bank computes, optionally of one category (public)."""
    return registered_definitions(category=category)


async def enterprise_indicators(
    root: strawberry.Parent[m.Enterprise], info: Info, category: str | None = None
) -> list[IndicatorValue]:
    """The values of an enterprise's latest snapshot, in registry order; none without one."""
    snapshot = await ctx(info).loaders.latest_snapshot.load(root.id)
    if snapshot is None:
        return []
    readings = indicator_readings(values=snapshot.values, as_of=snapshot.as_of, category=category)
    return [IndicatorValue(definition=d, value=v, as_of=at) for d, v, at in readings]


async def enterprise_indicator_history(
    root: strawberry.Parent[m.Enterprise],
    info: Info,
    codes: list[str] | None = None,
    category: str | None = None,
    last: int = 12,
) -> list[IndicatorSeries]:
    """Each asked indicator's values in the enterprise's `last` snapshots, oldest first."""
    definitions = history_definitions(codes=codes, category=category)
    snapshots = await ctx(info).loaders.indicator_history(check_points(last)).load(root.id)
    return series(snapshots, definitions)
