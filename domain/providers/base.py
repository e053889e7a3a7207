"""The `DataProvider` protocol: the bank's view of outside registries.

A provider answers two questions. `lookup` reads the public registration record (what the
national enterprise credit publicity system shows anyone), which registration needs before any
consent can exist. `fetch` hands over what the named sources know of one enterprise, in the
world format; callers go through `domain.consent` so that every fetch is covered by a consent
and written to the data-access log.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from db.models.consent import DataSource

Rows = dict[str, list[dict[str, Any]]]  # world file name (no extension) -> rows


class ProviderError(Exception):
    """The provider failed, timed out or answered something malformed; try again later."""

    def __init__(self, message: str, *, source: DataSource | None = None, retryable: bool = True):
        super().__init__(message)
        self.source = source
        self.retryable = retryable


class DataProvider(Protocol):
    """Looks enterprises up and hands over what each source knows, in the world format."""

    name: str

    async def lookup(self, uscc: str) -> dict[str, Any] | None:
        """The public registration record (an enterprises.jsonl row), None when unknown."""
        ...

    async def fetch(self, uscc: str, sources: Collection[DataSource]) -> Rows:
        """World rows about this enterprise from the named sources only (and the counterparty
        records their references need); raises ProviderError when a source fails."""
        ...

    async def warm(self) -> None:
        """Get ready to answer (a worker calls it at start-up, so that the first decision does
        not pay for loading an index); raises ProviderError when it cannot."""
        ...
