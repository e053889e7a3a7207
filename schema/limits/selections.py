"""Walking one operation or fragment: depth, aliases, directives and cost terms per field."""

from __future__ import annotations

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
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from schema.limits.shapes import (
    CAP,
    DefaultSize,
    DefinitionShape,
    Factor,
    ListSize,
    Spread,
    VariableSize,
)

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
LIST_SIZE_ARGUMENT = "first"
CONNECTION_ITEMS = frozenset({"edges", "nodes"})


def shape_definition(
    schema: GraphQLSchema, definition: OperationDefinitionNode | FragmentDefinitionNode
) -> DefinitionShape:
    """Summarise one operation or fragment, recording its spreads without following them."""
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
            return int_literal(given.value.value)
        if isinstance(given.value, VariableNode):
            return VariableSize(given.value.name.value, fallback)
        break  # null or a wrong type: the default applies (or validation refuses)
    return max(fallback, 0) if fallback is not None else DefaultSize.PAGE


def _is_connection(type_: GraphQLNamedType | None) -> bool:
    return type_ is not None and type_.name.endswith("Connection")


def int_literal(text: str) -> int:
    """An Int literal's value, negative ones as 0 and saturated at CAP."""
    # a literal thousands of digits long must not reach int() (Python refuses > 4300 digits)
    digits = text.lstrip("-")
    if text.startswith("-"):
        return 0
    return CAP if len(digits) > 15 else min(int(digits), CAP)


def _is_introspection_type(type_: GraphQLNamedType | None) -> bool:
    return type_ is not None and type_.name.startswith("__")
