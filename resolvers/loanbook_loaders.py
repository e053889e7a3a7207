"""The loan book's DataLoaders, kept beside the request's other loaders (one set per request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from db import models as m
from domain.loanbook import reads
from resolvers.context import ctx

V = TypeVar("V")
_MEMO_KEY = "loanbook-loaders"

PageRead = Callable[..., Awaitable[dict[int, list[V]]]]


def _loader(load: Callable[[list[int]], Awaitable[Sequence[V]]]) -> DataLoader[int, V]:
    return DataLoader(load_fn=load)  # type: ignore[arg-type]


def _by_ids(read: Callable[..., Awaitable[Sequence[V]]]) -> DataLoader[int, V]:
    async def load(keys: list[int]) -> Sequence[V]:
        return await read(ids=keys)

    return _loader(load)


def _counts(read: Callable[[Sequence[int]], Awaitable[dict[int, int]]]) -> DataLoader[int, int]:
    async def load(keys: list[int]) -> list[int]:
        found = await read(keys)
        return [found.get(k, 0) for k in keys]

    return _loader(load)


def _pages(read: PageRead[V], first: int, after: int | None) -> DataLoader[int, list[V]]:
    async def load(keys: list[int]) -> list[list[V]]:
        found = await read(keys, first=first, after=after)
        return [found.get(k, []) for k in keys]

    return _loader(load)


class LoanbookLoaders:
    """Batch reads of repayments, journal entries, changes and schedule versions by loan."""

    def __init__(self) -> None:
        self._keyed: dict[Hashable, DataLoader[Any, Any]] = {}

    def _keyed_pages(
        self, read: PageRead[V], first: int, after: int | None
    ) -> DataLoader[int, list[V]]:
        # pages asked with the same arguments batch together
        key = (read.__name__, first, after)
        existing = self._keyed.get(key)
        if existing is None:
            existing = self._keyed[key] = _pages(read, first, after)
        return existing

    def repayment_page(self, first: int, after: int | None) -> DataLoader[int, list[m.Repayment]]:
        """Up to first+1 repayments per loan after a key, oldest first."""
        return self._keyed_pages(reads.repayment_pages, first, after)

    @cached_property
    def repayment_count(self) -> DataLoader[int, int]:
        """Repayments per loan."""
        return _counts(reads.repayment_counts)

    def journal_page(self, first: int, after: int | None) -> DataLoader[int, list[m.JournalEntry]]:
        """Up to first+1 journal entries per loan after a key, in posting order."""
        return self._keyed_pages(reads.journal_pages, first, after)

    @cached_property
    def journal_count(self) -> DataLoader[int, int]:
        """Journal entries per loan."""
        return _counts(reads.journal_counts)

    @cached_property
    def entry_lines(self) -> DataLoader[int, list[m.JournalLine]]:
        """Each journal entry's lines, debits first."""
        return _by_ids(reads.lines_by_entry_ids)

    @cached_property
    def loan_changes(self) -> DataLoader[int, list[m.LoanChange]]:
        """Each loan's maker-checker changes, newest first."""
        return _by_ids(reads.changes_by_loan_ids)

    @cached_property
    def all_installments(self) -> DataLoader[int, list[m.Installment]]:
        """Each loan's installments of every schedule version."""
        return _by_ids(reads.installments_of_all_versions)


def loanbook_loaders(info: Info) -> LoanbookLoaders:
    """This request's loan-book loaders (made on first use, kept with the other loaders)."""
    memo = ctx(info).loaders.memo
    found = memo.get(_MEMO_KEY)
    if not isinstance(found, LoanbookLoaders):
        found = memo[_MEMO_KEY] = LoanbookLoaders()
    return found


__all__ = ["LoanbookLoaders", "loanbook_loaders"]
