"""The abuse limits of the GraphQL endpoint, with defaults close to graphql-armor's."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class LimitConfig:
    """Per-request limits; frozen and hashable so configured rule classes can be reused."""

    # document shape (validation, cached per distinct query text)
    max_depth: int = 10
    max_aliases: int = 15
    max_directives: int = 10
    max_cost: int = 5000
    # GraphiQL's introspection query nests `ofType` about 13 levels deep
    max_introspection_depth: int = 15
    max_validation_errors: int = 20
    # how many items a list is assumed to return when no `first` says so: the page size of
    # connections; for plain lists of objects (small collections in this API: tax years,
    # parties, reasons) `default_list_size`, or `list_sizes` for named ones:
    # (("Loan.schedule", 60), ...)
    default_page_size: int = 20
    default_list_size: int = 10
    list_sizes: tuple[tuple[str, int], ...] = ()
    # parsing
    max_tokens: int = 2000
    max_query_length: int = 50_000
    # transport
    max_body_bytes: int = 256 * 1024
    max_subscriptions_per_connection: int = 5
    connection_init_timeout_s: float = 5.0
    # distinct query texts kept parsed and validated, and their total length
    document_cache_size: int = 256
    document_cache_chars: int = 2_000_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and value <= 0:
                raise ValueError(f"LimitConfig.{f.name} must be positive, not {value!r}")
        for coordinate, size in self.list_sizes:
            if "." not in coordinate or size < 0:
                raise ValueError(f"LimitConfig.list_sizes: bad entry {(coordinate, size)!r}")

    @property
    def list_size_map(self) -> dict[str, int]:
        """`list_sizes` as a mapping."""
        return dict(self.list_sizes)


__all__ = ["LimitConfig"]
