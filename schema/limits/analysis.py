"""What a document asks for, per operation: depth, aliases, directives and cost.

A document is summarised once (walked iteratively, so deep nesting cannot exhaust the
interpreter's stack); fragments are summarised once each and folded into the operations
that spread them in dependency order, so a fragment spread many times is not re-walked and
fragment cycles contribute nothing (graphql-core's NoFragmentCyclesRule reports them).

Cost: every field costs 1, and the fields below a list are counted once per item it may
return: `first` when the field takes it (a literal, a variable, or the argument's default),
otherwise a default page size; plain lists of objects count a default list size. On a
`...Connection` type only `edges`/`nodes` are counted per item (`totalCount`, `pageInfo` once);
a fragment spread directly in a connection's selection is counted per item as a whole.
Introspection lists are not multiplied: they are bounded by the schema, and
MaxIntrospectionDepthRule bounds their cycles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import GraphQLSchema
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
)

from schema.limits.cost import definition_cost, size_resolver
from schema.limits.selections import int_literal, shape_definition
from schema.limits.shapes import CAP, DefinitionShape, Factor, OperationShape, VariableSize


@dataclass(frozen=True, slots=True)
class _Totals:
    """A definition's counts with the fragments it spreads folded in."""

    depth: int
    introspection_depth: int
    aliases: int
    directives: int
    variable_sizes: bool


@dataclass(frozen=True, slots=True)
class DocumentShape:
    """Every operation of a document, and what is needed to price one."""

    operations: tuple[OperationShape, ...]
    fragments: Mapping[str, DefinitionShape]
    order: tuple[str, ...]
    introspection_field: FieldNode | None

    def operation(self, name: str | None) -> OperationShape | None:
        """The operation a request selects by name (or the only one)."""
        if name is None:
            return self.operations[0] if len(self.operations) == 1 else None
        return next((op for op in self.operations if op.name == name), None)

    def cost(
        self,
        operation: OperationShape,
        *,
        variables: Mapping[str, object] | None,
        page_size: int,
        list_size: int,
        list_sizes: Mapping[str, int] | None = None,
    ) -> int:
        """The operation's cost with these variable values (None: not known yet).

        `list_sizes` overrides `list_size` for given plain list fields ("Type.field").
        """
        size = size_resolver(operation, variables or {}, page_size, list_size, list_sizes or {})
        fragment_costs: dict[str, int] = {}
        for name in self.order:
            fragment_costs[name] = definition_cost(self.fragments[name], size, fragment_costs)
        return definition_cost(operation.definition, size, fragment_costs)


def shape_document(schema: GraphQLSchema, document: DocumentNode) -> DocumentShape:
    """Summarise a document against a schema (unknown fields count as plain fields)."""
    fragments: dict[str, DefinitionShape] = {}
    operation_nodes: list[OperationDefinitionNode] = []
    introspection_field: FieldNode | None = None
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            name = definition.name.value
            if name not in fragments:  # duplicates are UniqueFragmentNamesRule's to report
                fragments[name] = shape_definition(schema, definition)
                introspection_field = introspection_field or fragments[name].introspection_field
        elif isinstance(definition, OperationDefinitionNode):
            operation_nodes.append(definition)
    order = _dependency_order(fragments)
    totals: dict[str, _Totals] = {}
    for name in order:
        totals[name] = _fold(fragments[name], totals)
    operations = []
    for node in operation_nodes:
        shape = shape_definition(schema, node)
        introspection_field = introspection_field or shape.introspection_field
        folded = _fold(shape, totals)
        operations.append(
            OperationShape(
                node=node,
                name=node.name.value if node.name else None,
                depth=folded.depth,
                introspection_depth=folded.introspection_depth,
                aliases=folded.aliases,
                directives=folded.directives,
                variable_sizes=folded.variable_sizes,
                variable_defaults=_variable_defaults(node),
                definition=shape,
            )
        )
    return DocumentShape(tuple(operations), fragments, tuple(order), introspection_field)


def _dependency_order(fragments: Mapping[str, DefinitionShape]) -> list[str]:
    """Fragments ordered so that each comes after those it spreads (cycles broken)."""
    order: list[str] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(fragments[root].spreads))]
        while stack:
            name, spreads = stack[-1]
            spread = next(spreads, None)
            if spread is None:
                stack.pop()
                order.append(name)
                continue
            if spread.fragment in fragments and spread.fragment not in seen:
                seen.add(spread.fragment)
                stack.append((spread.fragment, iter(fragments[spread.fragment].spreads)))
    return order


def _fold(shape: DefinitionShape, totals: Mapping[str, _Totals]) -> _Totals:
    depth, introspection_depth = shape.depth, shape.introspection_depth
    aliases, directives = shape.aliases, shape.directives
    variable_sizes = any(_has_variable(factors) for factors in shape.terms)
    for spread in shape.spreads:
        variable_sizes = variable_sizes or _has_variable(spread.factors)
        inner = totals.get(spread.fragment)
        if inner is None:  # unknown fragment, or a cycle
            continue
        if spread.introspection:
            deepest = max(inner.depth, inner.introspection_depth)
            introspection_depth = max(introspection_depth, spread.level + deepest)
        else:
            if inner.depth:
                depth = max(depth, spread.level + inner.depth)
            if inner.introspection_depth:
                introspection_depth = max(
                    introspection_depth, spread.level + inner.introspection_depth
                )
        aliases = min(aliases + inner.aliases, CAP)
        directives = min(directives + inner.directives, CAP)
        variable_sizes = variable_sizes or inner.variable_sizes
    return _Totals(depth, introspection_depth, aliases, directives, variable_sizes)


def _has_variable(factors: tuple[Factor, ...]) -> bool:
    return any(isinstance(f, VariableSize) for f in factors)


def _variable_defaults(node: OperationDefinitionNode) -> dict[str, object]:
    defaults: dict[str, object] = {}
    for definition in node.variable_definitions or ():
        value = definition.default_value
        if isinstance(value, IntValueNode):
            defaults[definition.variable.name.value] = int_literal(value.value)
        elif isinstance(value, NullValueNode):
            defaults[definition.variable.name.value] = None
    return defaults


__all__ = ["DocumentShape", "shape_document"]
