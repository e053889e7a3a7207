"""The enterprise a registrant names, as the registry knows it: its public record only.

Registration reads the public registration record (what anyone can see) and keeps just that
row; what the sources know of the enterprise comes later, under its consent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from db.models import Enterprise
from domain.errors import Unavailable
from domain.providers.base import DataProvider, ProviderError

ACCOUNT = re.compile(r"^[0-9A-Za-z -]{6,40}$")
CONTACT = re.compile(r"^\+?[0-9 -]{5,20}$")


@dataclass(frozen=True)
class ContactDetails:
    """Where verification reaches an enterprise: its settlement account and legal representative."""

    bank: str
    account: str
    legal_rep_contact: str


async def lookup(provider: DataProvider, uscc: str) -> dict[str, Any] | None:
    """The provider's public record for this USCC; UNAVAILABLE when the provider fails."""
    try:
        found = await provider.lookup(uscc)
    except ProviderError as exc:
        raise Unavailable("the business registry cannot be reached; try again later") from exc
    return found if isinstance(found, dict) else None


async def registry_enterprise(
    uscc: str, name: str, provider: DataProvider | None
) -> Enterprise | None:
    """The enterprise with this USCC and exactly this name: the stored one, or the provider's
    public record stored now; None when no enterprise matches both."""
    from domain.world.importer import import_world_rows

    wanted = name.strip()
    enterprise = await Enterprise.get_or_none(uscc=uscc)
    if enterprise is not None:
        return enterprise if enterprise.name.strip() == wanted else None
    record = await lookup(provider, uscc) if provider is not None else None
    if record is None or str(record.get("name", "")).strip() != wanted:
        return None
    await import_world_rows({"enterprises": [{**record, "uscc": uscc}]})
    enterprise = await Enterprise.get(uscc=uscc)
    await store_contact_details(enterprise, record)
    return enterprise


def contact_details_of(record: dict[str, Any] | Enterprise) -> ContactDetails | None:
    """The settlement account and legal representative's contact of a record or a stored
    enterprise; None unless both are there and well formed."""
    if isinstance(record, Enterprise):
        account, contact = record.settlement_account, record.legal_rep_contact
    else:
        account, contact = record.get("settlement_account"), record.get("legal_rep_contact")
    if not isinstance(account, dict) or not isinstance(contact, str):
        return None
    bank, number = account.get("bank"), account.get("account")
    if not isinstance(bank, str) or not bank.strip() or not isinstance(number, str):
        return None
    if not ACCOUNT.match(number.strip()) or not CONTACT.match(contact.strip()):
        return None
    return ContactDetails(bank.strip(), number.strip(), contact.strip())


async def store_contact_details(enterprise: Enterprise, record: dict[str, Any]) -> None:
    """Keep the record's settlement account and legal representative's contact on the
    enterprise when they are well formed and differ from what is stored."""
    details = contact_details_of(record)
    if details is None or details == contact_details_of(enterprise):
        return
    account = {"bank": details.bank, "account": details.account}
    await Enterprise.filter(id=enterprise.id).update(
        settlement_account=account, legal_rep_contact=details.legal_rep_contact
    )
    enterprise.settlement_account = account
    enterprise.legal_rep_contact = details.legal_rep_contact


__all__ = [
    "ContactDetails",
    "contact_details_of",
    "lookup",
    "registry_enterprise",
    "store_contact_details",
]
