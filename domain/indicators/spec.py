"""Indicator metadata and the building blocks of the declarative registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from domain.indicators.common import F64
    from domain.indicators.context import Context

Direction = Literal["risk_up", "risk_down"]
CATEGORIES = ("registration", "judicial", "tax", "financial", "ip", "network", "events")
SOURCES = ("registration", "judicial", "tax", "financial", "patent", "network")
UP: Direction = "risk_up"
DOWN: Direction = "risk_down"
WINDOWS: tuple[int | None, ...] = (90, 180, 365, 730, None)  # None: all history up to as_of


@dataclass(frozen=True)
class IndicatorDefinition:
    """One indicator: stable code, metadata, and whether a higher value is riskier."""

    code: str
    name: str
    category: str
    source: str
    unit: str
    description: str
    direction: Direction

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.code}: unknown category {self.category!r}")
        if self.source not in SOURCES:
            raise ValueError(f"{self.code}: unknown source {self.source!r}")
        if self.direction not in (UP, DOWN):
            raise ValueError(f"{self.code}: direction must be risk_up or risk_down")


Compute = Callable[["Context"], Mapping[str, "F64"]]


@dataclass(frozen=True)
class Block:
    """A group of indicators computed together by one vectorised function."""

    name: str
    definitions: tuple[IndicatorDefinition, ...]
    compute: Compute


def window_tag(days: int | None) -> str:
    """Code fragment of a look-back window: `365d`, or `all` for the whole history."""
    return "all" if days is None else f"{days}d"


def window_text(days: int | None) -> str:
    """Readable look-back window."""
    return "up to the as-of date" if days is None else f"in the {days} days up to the as-of date"


def definer(
    category: str, source: str
) -> Callable[[str, str, str, str, Direction], IndicatorDefinition]:
    """A shorthand constructor with the category and source fixed."""

    def make(
        code: str, name: str, unit: str, description: str, direction: Direction
    ) -> IndicatorDefinition:
        return IndicatorDefinition(code, name, category, source, unit, description, direction)

    return make
