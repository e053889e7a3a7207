"""Principals of tokens already verified, until each token expires.

A client sends the same token with every request; checking its signature again costs more
than the rest of a small request. A token is remembered only once it verified, and only
until its own expiry, so an entry never outlives what a fresh check would accept.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

from domain.accounts.principal import Principal

DEFAULT_ENTRIES = 4096


class VerifiedTokens:
    """A bounded map of verified token (with what it was verified against) -> principal."""

    def __init__(self, max_entries: int = DEFAULT_ENTRIES) -> None:
        if max_entries <= 0:
            raise ValueError("max_entries must be positive")
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[Principal, float]] = {}

    def get(self, key: Hashable, now: float | None = None) -> Principal | None:
        """The principal of a token verified before and not yet expired; None otherwise."""
        found = self._entries.get(key)
        if found is None:
            return None
        principal, expires = found
        if (time.time() if now is None else now) >= expires:
            self._entries.pop(key, None)
            return None
        return principal

    def put(self, key: Hashable, principal: Principal, expires: float) -> None:
        """Remember a verified token until `expires` (seconds since the epoch); the oldest
        entry goes when the map is full."""
        if key not in self._entries and len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (principal, expires)

    def clear(self) -> None:
        """Forget every token."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


__all__ = ["VerifiedTokens"]
