"""Relay-style connections with opaque cursors over integer keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import strawberry

from schema.errors import bad_request
from schema.ids import decode_cursor, encode_cursor

MAX_PAGE = 100
T = TypeVar("T")


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


def page_args(first: int | None, after: str | None) -> tuple[int, int | None]:
    """Validated (first, after key); raises a client error for bad values."""
    n = 20 if first is None else first
    if n < 0 or n > MAX_PAGE:
        raise bad_request(f"first must be between 0 and {MAX_PAGE}")
    try:
        return n, decode_cursor(after)
    except ValueError:
        raise bad_request("malformed cursor") from None


def slice_page(rows: Sequence[T], first: int, key: Callable[[T], int]) -> tuple[list[T], PageInfo]:
    """Given up to first+1 rows ordered by key, the page and its PageInfo."""
    page = list(rows[:first])
    end = encode_cursor(key(page[-1])) if page else None
    return page, PageInfo(has_next_page=len(rows) > first, end_cursor=end)


def edges(
    page: Sequence[Any], wrap: Callable[[Any], Any], edge_type: type, key: Callable[[Any], int]
) -> list[Any]:
    """Edges with cursors for a page of records."""
    return [edge_type(cursor=encode_cursor(key(r)), node=wrap(r)) for r in page]
