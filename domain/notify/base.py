"""The `Notifier` protocol and the notice it carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class NoticeKind(StrEnum):
    """What a notice is for; a channel routes on it (a payment, a text message, an email)."""

    MICRO_DEPOSIT = "micro_deposit"  # pay `amount` into the settlement account on record
    LEGAL_REP_CODE = "legal_rep_code"  # text `code` to the legal representative's mobile
    INVITATION = "invitation"  # email an invitation `code` to a colleague
    ACCOUNT_EXISTS = "account_exists"  # tell an account's owner someone tried to register it
    VERIFICATION_REVOKED = "verification_revoked"  # tell an applicant the bank revoked it


class NotifyError(Exception):
    """The channel could not take the notice; nothing was sent."""


@dataclass(frozen=True)
class Notice:
    """One message: its kind, where it goes, and what it says.

    `address` is the real destination (an account number, a mobile number, an email); sinks
    that keep a copy write it masked. `data` holds the content (`amount`, `code`, ...).
    """

    kind: NoticeKind
    address: str
    uscc: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready copy with the destination masked (`to`)."""
        content = {k: _plain(v) for k, v in self.data.items()}
        return {
            "kind": self.kind.value,
            "uscc": self.uscc,
            "to": mask(self.address, account=self.kind == NoticeKind.MICRO_DEPOSIT),
            "at": self.at.isoformat(),
            **content,
        }


def _plain(value: Any) -> Any:
    """A value as JSON writes it: money as text, times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class Notifier(Protocol):
    """Delivers notices; raises NotifyError when it cannot."""

    async def send(self, notice: Notice) -> None:
        """Deliver one notice."""
        ...


def mask(address: str, *, account: bool = False) -> str:
    """An address with most of it hidden: `a***@x.cn`, `138****5678`; an account `****6789`."""
    text = address.strip()
    if account:
        return f"****{text[-4:]}" if len(text) > 4 else "****"
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(text) >= 11:
        return f"{text[:3]}****{text[-4:]}"
    return f"****{text[-4:]}" if len(text) > 4 else "****"


__all__ = ["Notice", "NoticeKind", "Notifier", "NotifyError", "mask"]
