"""Pricing a shape: each field costs 1 times the sizes of the lists above it (see analysis)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from schema.limits.shapes import (
    CAP,
    DefaultSize,
    DefinitionShape,
    Factor,
    ListSize,
    OperationShape,
    VariableSize,
)


def size_resolver(
    operation: OperationShape,
    variables: Mapping[str, object],
    page_size: int,
    list_size: int,
    list_sizes: Mapping[str, int],
) -> Callable[[Factor], int]:
    """The size each symbolic factor stands for, given the request's variables and the limits."""

    def size(factor: Factor) -> int:
        if factor is DefaultSize.PAGE:
            return page_size
        if isinstance(factor, ListSize):
            return list_sizes.get(factor.coordinate, list_size)
        assert isinstance(factor, VariableSize)
        if factor.name in variables:
            raw = variables[factor.name]
        else:
            raw = operation.variable_defaults.get(factor.name)
        if raw is None:
            return factor.fallback if factor.fallback is not None else page_size
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            return page_size  # not an Int: variable coercion will refuse it
        return min(max(raw, 0), CAP)

    return size


def definition_cost(
    shape: DefinitionShape, size: Callable[[Factor], int], fragment_costs: Mapping[str, int]
) -> int:
    """A definition's cost, with the costs of the fragments it spreads already known."""
    total = 0
    for factors, coefficient in shape.terms.items():
        total = min(total + coefficient * _product(factors, size), CAP)
    for spread in shape.spreads:
        inner = fragment_costs.get(spread.fragment, 0)
        weight = min(spread.coefficient * _product(spread.factors, size), CAP)
        total = min(total + weight * inner, CAP)
    return total


def _product(factors: tuple[Factor, ...], size: Callable[[Factor], int]) -> int:
    result = 1
    for factor in factors:
        result = min(result * size(factor), CAP)
    return result
