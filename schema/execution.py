"""How the served schema executes fields: cheaply where nothing can be awaited.

- Records are never awaited: Tortoise models define `__await__` (awaiting one gives it back),
  which made the executor schedule a task for every record of a list. Types known not to
  be awaitable are remembered, so each value costs one set lookup.
- On a websocket, each operation (`FreshContextPerOperation`) and each subscription event
  (`LeanExecutionContext.build_per_event_executor`) runs with a context of its own
  (`Context.fresh()`: the connection's caller, new loaders): what an event shows is what the
  database holds when it is delivered, and nothing one message cached outlives it.
- A leaf resolver that reads only its parent (a synchronous function of one `Parent`
  argument, with no field extensions) is called by the executor directly, without building
  strawberry's `Info` and arguments for each record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from types import CoroutineType, GeneratorType
from typing import Any, TypeGuard

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from starlette.websockets import WebSocket
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from tortoise.models import Model

MAX_PLAIN_TYPES = 1024
_plain_types: set[type] = set()


def _never_awaitable(kind: type) -> bool:
    if issubclass(kind, Model):
        return True  # awaiting a model gives the model itself
    # `await` looks `__await__` up on the type, never on the instance
    return not (issubclass(kind, CoroutineType | GeneratorType) or hasattr(kind, "__await__"))


def is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    """graphql-core's test, with records and other types that cannot be awaited answered from
    a set of their types."""
    kind = type(value)
    if kind in _plain_types:
        return False
    if _never_awaitable(kind):
        if len(_plain_types) < MAX_PLAIN_TYPES:
            _plain_types.add(kind)
        return False
    return optimized_is_awaitable(value)


def fresh_context(context: Any) -> Any:
    """A context for one message: `context.fresh()` where it has one, else the context."""
    fresh = getattr(context, "fresh", None)
    return fresh() if callable(fresh) else context


class FreshContextPerOperation(SchemaExtension):
    """Gives each operation on a websocket a context of its own; an HTTP request has one
    already."""

    def on_operation(self) -> Iterator[None]:
        ec = self.execution_context
        if isinstance(getattr(ec.context, "request", None), WebSocket):
            ec.context = fresh_context(ec.context)
        yield


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with the `is_awaitable` above, and a fresh context for
    each subscription event."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable

    def build_per_event_executor(self, payload: Any) -> Any:
        """The executor of one subscription event, with a context of its own."""
        executor = super().build_per_event_executor(payload)
        executor.context_value = fresh_context(self.context_value)
        return executor


def _parent_only(field: StrawberryField) -> Callable[[Any], Any] | None:
    """The resolver function when it is a synchronous function of its parent alone."""
    resolver = field.base_resolver
    if resolver is None or field.extensions or resolver.is_async:
        return None
    if resolver.info_parameter is not None or resolver.self_parameter is not None:
        return None
    if resolver.arguments or len(resolver.signature.parameters) != 1:
        return None
    if resolver.root_parameter is None and resolver.parent_parameter is None:
        return None
    func = resolver.wrapped_func
    return func if callable(func) else None


def _direct(func: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
        return func(source)

    return resolve


def call_parent_resolvers_directly(schema: GraphQLSchema) -> int:
    """Give each field whose resolver reads only its parent a direct resolve function;
    returns how many fields were changed."""
    changed = 0
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            definition = (graphql_field.extensions or {}).get(
                GraphQLCoreConverter.DEFINITION_BACKREF
            )
            if not isinstance(definition, StrawberryField):
                continue
            func = _parent_only(definition)
            if func is not None:
                graphql_field.resolve = _direct(func)
                changed += 1
    return changed


__all__ = [
    "FreshContextPerOperation",
    "LeanExecutionContext",
    "call_parent_resolvers_directly",
    "fresh_context",
    "is_awaitable",
]
