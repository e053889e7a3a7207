"""Failed logins of emails that have no account, counted like those of real accounts.

A real account locks after a few wrong passwords; if an unknown email never did, locking
would tell which emails have accounts. Unknown emails therefore get the same count, delays
and lock, kept in a bounded map of this process.
"""

from __future__ import annotations

from datetime import datetime

MAX_ENTRIES = 10_000


class UnknownLogins:
    """Failures and lock expiry per unknown email; the oldest entry goes when full."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[int, datetime | None]] = {}

    def state(self, email: str) -> tuple[int, datetime | None]:
        """(failures so far, locked until) for the email."""
        return self._entries.get(email, (0, None))

    def set(self, email: str, failures: int, locked_until: datetime | None) -> None:
        """Record the email's failures and lock."""
        if email not in self._entries and len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[email] = (failures, locked_until)

    def clear(self) -> None:
        """Forget every email."""
        self._entries.clear()


UNKNOWN_LOGINS = UnknownLogins()

__all__ = ["UNKNOWN_LOGINS", "UnknownLogins"]
