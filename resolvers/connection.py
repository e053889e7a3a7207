"""Pages of records with opaque cursors over integer keys, as resolvers hand them to the schema."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from resolvers.errors import bad_request
from resolvers.ids import decode_cursor, encode_cursor

MAX_PAGE = 100
R = TypeVar("R")


class PageItem(Generic[R]):
    """One record of a page and the cursor after it (encoded when asked for)."""

    __slots__ = ("key", "node")

    def __init__(self, node: R, key: Callable[[R], int]) -> None:
        self.node = node
        self.key = key

    @property
    def cursor(self) -> str:
        """The cursor after this record."""
        return encode_cursor(self.key(self.node))


@dataclass(frozen=True)
class Page(Generic[R]):
    """A page of records (already sliced to `first`), whether more follow, and their keys.

    `total_count` is None when the query did not ask for it (nothing was counted).
    """

    rows: list[R]
    has_next_page: bool
    total_count: int | None
    key: Callable[[R], int]

    @property
    def end_cursor(self) -> str | None:
        """The cursor after the last record; None for an empty page."""
        return encode_cursor(self.key(self.rows[-1])) if self.rows else None

    @property
    def items(self) -> list[PageItem[R]]:
        """Each record with its cursor."""
        key = self.key
        return [PageItem(r, key) for r in self.rows]


def after_key(after: str | None) -> int | None:
    """The key inside an `after` cursor; a client error when it is malformed."""
    try:
        return decode_cursor(after)
    except ValueError:
        raise bad_request("malformed cursor") from None


def page_args(first: int | None, after: str | None) -> tuple[int, int | None]:
    """Validated (first, after key); raises a client error for bad values."""
    n = 20 if first is None else first
    if n < 0 or n > MAX_PAGE:
        raise bad_request(f"first must be between 0 and {MAX_PAGE}")
    return n, after_key(after)


def _row_id(row: Any) -> int:
    return int(row.id)


def page_of(
    rows: Sequence[R], first: int, total_count: int | None, key: Callable[[R], int] = _row_id
) -> Page[R]:
    """The page from up to first+1 rows ordered by key (one more row means more follow);
    `total_count` None when not asked for."""
    return Page(
        rows=list(rows[:first]), has_next_page=len(rows) > first, total_count=total_count, key=key
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


__all__ = ["MAX_PAGE", "Page", "PageItem", "after_key", "page_after", "page_args", "page_of"]
