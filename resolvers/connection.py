"""Pages of records with opaque cursors over integer keys, as resolvers hand them to the schema."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from resolvers.errors import bad_request
from resolvers.ids import decode_cursor, encode_cursor

MAX_PAGE = 100
R = TypeVar("R")


@dataclass(frozen=True)
class PageItem(Generic[R]):
    """One record of a page and the cursor after it."""

    cursor: str
    node: R


@dataclass(frozen=True)
class Page(Generic[R]):
    """A page of records (already sliced to `first`) and where it ends."""

    rows: list[R]
    has_next_page: bool
    end_cursor: str | None
    total_count: int
    cursors: list[str]

    @property
    def items(self) -> list[PageItem[R]]:
        """Each record with its cursor."""
        return [PageItem(cursor=c, node=r) for c, r in zip(self.cursors, self.rows, strict=True)]


def page_args(first: int | None, after: str | None) -> tuple[int, int | None]:
    """Validated (first, after key); raises a client error for bad values."""
    n = 20 if first is None else first
    if n < 0 or n > MAX_PAGE:
        raise bad_request(f"first must be between 0 and {MAX_PAGE}")
    try:
        return n, decode_cursor(after)
    except ValueError:
        raise bad_request("malformed cursor") from None


def _row_id(row: Any) -> int:
    return int(row.id)


def page_of(
    rows: Sequence[R], first: int, total_count: int, key: Callable[[R], int] = _row_id
) -> Page[R]:
    """The page from up to first+1 rows ordered by key (one more row means more follow)."""
    kept = list(rows[:first])
    cursors = [encode_cursor(key(r)) for r in kept]
    return Page(
        rows=kept,
        has_next_page=len(rows) > first,
        end_cursor=cursors[-1] if cursors else None,
        total_count=total_count,
        cursors=cursors,
    )


def page_after(
    rows: Sequence[R],
    first: int,
    after: int | None,
    *,
    descending: bool = False,
    key: Callable[[R], int] = _row_id,
) -> Page[R]:
    """The page after a key from every row of a parent, ordered by key; total counts them all."""
    if after is None:
        rest = list(rows)
    elif descending:
        rest = [r for r in rows if key(r) < after]
    else:
        rest = [r for r in rows if key(r) > after]
    return page_of(rest[: first + 1], first, len(rows), key)


__all__ = ["MAX_PAGE", "Page", "PageItem", "page_after", "page_args", "page_of"]
