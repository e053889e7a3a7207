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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_composite_type,
    is_list_type,
    is_non_null_type,
)
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

# Counts and costs saturate here: the limits are far below, and the numbers stay small.
CAP = 10**15
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
LIST_SIZE_ARGUMENT = "first"
CONNECTION_ITEMS = frozenset({"edges", "nodes"})


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
class _Totals:
    depth: int
    introspection_depth: int
    aliases: int
    directives: int
    variable_sizes: bool


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
        size = _size_resolver(operation, variables or {}, page_size, list_size, list_sizes or {})
        fragment_costs: dict[str, int] = {}
        for name in self.order:
            fragment_costs[name] = _definition_cost(self.fragments[name], size, fragment_costs)
        return _definition_cost(operation.definition, size, fragment_costs)


def shape_document(schema: GraphQLSchema, document: DocumentNode) -> DocumentShape:
    """Summarise a document against a schema (unknown fields count as plain fields)."""
    fragments: dict[str, DefinitionShape] = {}
    operation_nodes: list[OperationDefinitionNode] = []
    introspection_field: FieldNode | None = None
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            name = definition.name.value
            if name not in fragments:  # duplicates are UniqueFragmentNamesRule's to report
                fragments[name] = _shape_definition(schema, definition)
                introspection_field = introspection_field or fragments[name].introspection_field
        elif isinstance(definition, OperationDefinitionNode):
            operation_nodes.append(definition)
    order = _dependency_order(fragments)
    totals: dict[str, _Totals] = {}
    for name in order:
        totals[name] = _fold(fragments[name], totals)
    operations = []
    for node in operation_nodes:
        shape = _shape_definition(schema, node)
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


def _shape_definition(
    schema: GraphQLSchema, definition: OperationDefinitionNode | FragmentDefinitionNode
) -> DefinitionShape:
    shape = DefinitionShape(directives=len(definition.directives or ()))
    root: GraphQLNamedType | None
    if isinstance(definition, OperationDefinitionNode):
        root = schema.get_root_type(definition.operation)
        shape.directives += sum(
            len(v.directives or ()) for v in definition.variable_definitions or ()
        )
    else:
        root = schema.get_type(definition.type_condition.name.value)
    stack = [_Frame(definition.selection_set, root, 0, 1, (), None)]
    while stack:
        frame = stack.pop()
        for selection in frame.selection_set.selections or ():
            shape.directives += len(selection.directives or ())
            if isinstance(selection, FieldNode):
                child = _shape_field(schema, shape, selection, frame)
                if child is not None:
                    stack.append(child)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = frame.parent if condition is None else schema.get_type(condition.name.value)
                stack.append(frame._replace(selection_set=selection.selection_set, parent=inner))
            elif isinstance(selection, FragmentSpreadNode):
                # spread inside a connection: its whole cost counts once per item
                items = frame.items if frame.items is not None else 1
                coefficient, factors = _scaled(frame.coefficient, frame.factors, items)
                shape.spreads.append(
                    Spread(
                        selection.name.value,
                        frame.level,
                        _is_introspection_type(frame.parent),
                        coefficient,
                        factors,
                    )
                )
    shape.aliases = min(shape.aliases, CAP)
    shape.directives = min(shape.directives, CAP)
    return shape


class _Frame(NamedTuple):
    """A selection set to walk, and how often its fields are resolved."""

    selection_set: SelectionSetNode
    parent: GraphQLNamedType | None
    level: int
    coefficient: int
    factors: tuple[Factor, ...]
    # in a connection's selection: the page size its edges/nodes are resolved for
    items: int | Factor | None


def _shape_field(
    schema: GraphQLSchema, shape: DefinitionShape, node: FieldNode, frame: _Frame
) -> _Frame | None:
    name = node.name.value
    parent = frame.parent
    level = frame.level + 1
    if node.alias is not None:
        shape.aliases += 1
    introspection = name in INTROSPECTION_ROOTS or _is_introspection_type(parent)
    if name in INTROSPECTION_ROOTS and shape.introspection_field is None:
        shape.introspection_field = node
    if introspection:
        shape.introspection_depth = max(shape.introspection_depth, level)
    else:
        shape.depth = max(shape.depth, level)
    key = frame.factors
    shape.terms[key] = min(shape.terms.get(key, 0) + frame.coefficient, CAP)
    if node.selection_set is None:
        return None
    definition = _field_definition(schema, parent, name)
    child = get_named_type(definition.type) if definition is not None else None
    size: int | Factor = 1
    items: int | Factor | None = None
    if definition is not None and not introspection:
        size, items = _sizes(definition, parent, node, frame.items)
    coefficient, factors = _scaled(frame.coefficient, frame.factors, size)
    return _Frame(node.selection_set, child, level, coefficient, factors, items)


def _scaled(
    coefficient: int, factors: tuple[Factor, ...], size: int | Factor
) -> tuple[int, tuple[Factor, ...]]:
    if isinstance(size, int):
        return min(coefficient * size, CAP), factors
    return coefficient, (*factors, size)


def _field_definition(
    schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str
) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is not None and parent is schema.query_type:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None


def _sizes(
    definition: GraphQLField,
    parent: GraphQLNamedType | None,
    node: FieldNode,
    items: int | Factor | None,
) -> tuple[int | Factor, int | Factor | None]:
    """How often the field's selections are resolved, and a connection's page size."""
    if _is_connection(parent) and node.name.value in CONNECTION_ITEMS:
        return (DefaultSize.PAGE if items is None else items), None
    size = _first(definition, node)
    if size is not None:
        # a connection's totalCount and pageInfo are resolved once, its edges per item
        if _is_connection(get_named_type(definition.type)):
            return 1, size
        return size, None
    field_type = definition.type
    if is_non_null_type(field_type):
        field_type = field_type.of_type  # type: ignore[attr-defined]
    if is_list_type(field_type) and is_composite_type(get_named_type(field_type)):
        owner = parent.name if parent is not None else "?"
        return ListSize(f"{owner}.{node.name.value}"), None
    return 1, None


def _first(definition: GraphQLField, node: FieldNode) -> int | Factor | None:
    """The list size a `first` argument asks for; None when the field takes none."""
    argument = definition.args.get(LIST_SIZE_ARGUMENT)
    if argument is None:
        return None
    default = argument.default_value
    fallback = default if isinstance(default, int) and not isinstance(default, bool) else None
    for given in node.arguments or ():
        if given.name.value != LIST_SIZE_ARGUMENT:
            continue
        if isinstance(given.value, IntValueNode):
            return _int_literal(given.value.value)
        if isinstance(given.value, VariableNode):
            return VariableSize(given.value.name.value, fallback)
        break  # null or a wrong type: the default applies (or validation refuses)
    return max(fallback, 0) if fallback is not None else DefaultSize.PAGE


def _is_connection(type_: GraphQLNamedType | None) -> bool:
    return type_ is not None and type_.name.endswith("Connection")


def _int_literal(text: str) -> int:
    # a literal thousands of digits long must not reach int() (Python refuses > 4300 digits)
    digits = text.lstrip("-")
    if text.startswith("-"):
        return 0
    return CAP if len(digits) > 15 else min(int(digits), CAP)


def _is_introspection_type(type_: GraphQLNamedType | None) -> bool:
    return type_ is not None and type_.name.startswith("__")


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
            defaults[definition.variable.name.value] = _int_literal(value.value)
        elif isinstance(value, NullValueNode):
            defaults[definition.variable.name.value] = None
    return defaults


def _size_resolver(
    operation: OperationShape,
    variables: Mapping[str, object],
    page_size: int,
    list_size: int,
    list_sizes: Mapping[str, int],
) -> Callable[[Factor], int]:
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


def _definition_cost(
    shape: DefinitionShape, size: Callable[[Factor], int], fragment_costs: Mapping[str, int]
) -> int:
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


__all__ = [
    "CAP",
    "DefaultSize",
    "DocumentShape",
    "ListSize",
    "OperationShape",
    "VariableSize",
    "shape_document",
]
