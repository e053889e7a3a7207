"""What a list field's query selects: whether it asks for `totalCount`, which node fields it
reads, and so which columns a read needs.

Fragments and inline fragments are followed; directives are not evaluated, so a field under
`@skip` or `@include` counts as selected (a read may fetch more than is shown, never less).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from graphql.pyutils import Path
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from resolvers.context import ctx

# field name -> the record attributes its value is read from (a resolver may read several)
Columns = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class ListSelection:
    """A list field's selection: `count` when totalCount is asked; the node's field names."""

    count: bool
    node_fields: frozenset[str]

    def columns(self, table: Columns) -> tuple[str, ...] | None:
        """The attributes the selected node fields read (the key first); None when a field
        is not in the table, and whole records must be read."""
        return columns_for(table, self.node_fields)


def columns_for(table: Columns, fields: Iterable[str]) -> tuple[str, ...] | None:
    """`id` and the attributes behind these fields, in a stable order; None when one is not
    in the table."""
    needed = {"id"}
    for name in fields:
        found = table.get(name)
        if found is None:
            return None
        needed.update(found)
    return tuple(sorted(needed))


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, through fragments and inline fragments."""
    for s in selections:
        if isinstance(s, SelectedField):
            yield s
        else:
            yield from _fields(s.selections)


def _names(selections: Iterable[Selection]) -> frozenset[str]:
    return frozenset(f.name for f in _fields(selections))


def _connection(info: Info) -> ListSelection:
    count = False
    node: set[str] = set()
    for connection in _fields(info.selected_fields):
        for field in _fields(connection.selections):
            if field.name == "totalCount":
                count = True
            elif field.name == "edges":
                for item in _fields(field.selections):
                    if item.name == "node":
                        node |= _names(item.selections)
    return ListSelection(count=count, node_fields=frozenset(node))


def _list(info: Info) -> ListSelection:
    node: set[str] = set()
    for field in _fields(info.selected_fields):
        node |= _names(field.selections)
    return ListSelection(count=False, node_fields=frozenset(node))


def _memo_key(info: Info, kind: str) -> tuple[object, ...]:
    """The field's place in the operation without list positions: every parent's call of a
    nested list field shares it (and so its selection)."""
    keys: list[object] = [kind, id(info.operation), info.path.typename]
    path: Path | None = info.path
    while path is not None:
        if not isinstance(path.key, int):
            keys.append(path.key)
        path = path.prev
    return tuple(keys)


def _memoised(info: Info, kind: str, make: Callable[[Info], ListSelection]) -> ListSelection:
    # the operation is kept beside its selection: operations on one websocket share the
    # context, and a key made from a collected operation's id must not match another's
    memo = ctx(info).loaders.memo
    key = _memo_key(info, kind)
    found = memo.get(key)
    if isinstance(found, tuple) and found[0] is info.operation:
        selection: ListSelection = found[1]
        return selection
    selection = make(info)
    memo[key] = (info.operation, selection)
    return selection


def connection_selection(info: Info) -> ListSelection:
    """What a connection field selects (worked out once per operation and place)."""
    return _memoised(info, "connection", _connection)


def list_selection(info: Info) -> ListSelection:
    """What a plain list field selects on its items (worked out once per operation and
    place)."""
    return _memoised(info, "list", _list)


__all__ = ["Columns", "ListSelection", "columns_for", "connection_selection", "list_selection"]
