"""What a document asks for: the shapes of its definitions and the list sizes its cost uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from graphql.language import FieldNode, OperationDefinitionNode

# Counts and costs saturate here: the limits are far below, and the numbers stay small.
CAP = 10**15


class DefaultSize(Enum):
    """A page size known only from the limits configuration."""

    PAGE = "page"


@dataclass(frozen=True, slots=True)
class ListSize:
    """The assumed length of a plain list field ("Type.field"), from the configuration."""

    coordinate: str


@dataclass(frozen=True, slots=True)
class VariableSize:
    """A list size given by a variable; `fallback` is the argument's schema default."""

    name: str
    fallback: int | None


Factor = DefaultSize | ListSize | VariableSize


@dataclass(frozen=True, slots=True)
class Spread:
    """A fragment spread, with where it sits in the definition that spreads it."""

    fragment: str
    level: int
    introspection: bool
    coefficient: int
    factors: tuple[Factor, ...]


@dataclass(slots=True)
class DefinitionShape:
    """One operation or fragment, not following its spreads."""

    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    directives: int = 0
    # cost: (symbolic list sizes above a field) -> summed literal multipliers
    terms: dict[tuple[Factor, ...], int] = field(default_factory=dict)
    spreads: list[Spread] = field(default_factory=list)
    introspection_field: FieldNode | None = None


@dataclass(frozen=True, slots=True)
class OperationShape:
    """An operation with the fragments it spreads folded in."""

    node: OperationDefinitionNode
    name: str | None
    depth: int
    introspection_depth: int
    aliases: int
    directives: int
    # some list size comes from a variable: the cost is known only at execution
    variable_sizes: bool
    variable_defaults: Mapping[str, object]
    definition: DefinitionShape

    @property
    def label(self) -> str:
        """How messages name the operation."""
        return f'Operation "{self.name}"' if self.name else "The operation"
