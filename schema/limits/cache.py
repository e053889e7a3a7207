"""A bounded LRU of query text -> parsed document, validation errors and summary."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import GraphQLError, GraphQLSchema
from graphql.language import DocumentNode

from schema.limits.analysis import DocumentShape, shape_document


@dataclass(slots=True)
class CachedDocument:
    """One query text: its document and, once known, its errors and summary."""

    query: str
    document: DocumentNode
    # validation errors, valid for `validated_against` only
    validated_against: GraphQLSchema | None = None
    errors: list[GraphQLError] = field(default_factory=list)
    shape: DocumentShape | None = None
    shaped_against: GraphQLSchema | None = None

    def shape_for(self, schema: GraphQLSchema) -> DocumentShape:
        """The summary against this schema, computed once."""
        if self.shape is None or self.shaped_against is not schema:
            self.shape = shape_document(schema, self.document)
            self.shaped_against = schema
        return self.shape


class DocumentCache:
    """Least recently used documents, bounded in entries and in total query length.

    Keyed on the query text (its hash is cached by Python), where strawberry's caches hash
    the whole AST on every lookup. Syntax errors are not cached: they are cheap to find
    again under the token limit.
    """

    def __init__(self, *, max_entries: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[str, CachedDocument] = OrderedDict()
        self._chars = 0
        self.hits = 0
        self.misses = 0

    def get(self, query: str) -> CachedDocument | None:
        """The cached entry, marked recently used."""
        entry = self._entries.get(query)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        try:
            self._entries.move_to_end(query)
        except KeyError:  # evicted meanwhile by another thread (synchronous execution)
            pass
        return entry

    def put(self, query: str, document: DocumentNode) -> CachedDocument:
        """Store a parsed document, evicting the least recently used beyond the bounds."""
        entry = CachedDocument(query, document)
        if len(query) > self.max_chars:
            return entry
        previous = self._entries.pop(query, None)
        if previous is not None:
            self._chars -= len(query)
        self._entries[query] = entry
        self._chars += len(query)
        while self._entries and (
            len(self._entries) > self.max_entries or self._chars > self.max_chars
        ):
            evicted, _ = self._entries.popitem(last=False)
            self._chars -= len(evicted)
        return entry

    def __len__(self) -> int:
        return len(self._entries)


__all__ = ["CachedDocument", "DocumentCache"]
