"""The `DataProvider` protocol: the bank's view of outside registries."""

from __future__ import annotations

from typing import Any, Protocol


class DataProvider(Protocol):
    """Looks enterprises up and hands over everything known about them, in the world format."""

    def lookup(self, uscc: str) -> dict[str, Any] | None:
        """The registration record (an enterprises.jsonl row) or None when unknown."""
        ...

    def fetch(self, uscc: str) -> dict[str, list[dict[str, Any]]]:
        """World rows about this enterprise (its record, patents, litigation, tax, ...)."""
        ...
