"""Which valid consent (or loan contract) allows pulling which source for which purpose.

A consent is valid on a day when it is signed, not revoked, and the day lies within
valid_from..valid_until. Several consents may together cover what a pull needs: each source is
taken under the newest valid consent that lists it and the purpose.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from db.models import Consent, ConsentPurpose, Contract, DataSource, Loan
from domain.consent.clause import has_monitoring_clause


class Basis(StrEnum):
    """On what ground a source is pulled."""

    CONSENT = "CONSENT"
    LOAN_CONTRACT = "LOAN_CONTRACT"


@dataclass(frozen=True)
class Cover:
    """What allows pulling one source: a consent, or (monitoring only) the loan contract."""

    source: DataSource
    basis: str
    consent: Consent | None = None


def today_utc() -> date:
    """The calendar day (UTC) against which validity periods are read."""
    return datetime.now(UTC).date()


def is_valid(consent: Consent, *, on: date) -> bool:
    """Signed, not revoked, and `on` within its validity period."""
    return (
        consent.revoked_at is None
        and consent.signed_at is not None
        and consent.valid_from <= on <= consent.valid_until
    )


def covers(consent: Consent, source: DataSource, purpose: ConsentPurpose) -> bool:
    """Whether the consent lists the source and the purpose."""
    return source.value in (consent.sources or []) and purpose.value in (consent.purposes or [])


async def valid_consents(enterprise_id: int, *, on: date | None = None) -> list[Consent]:
    """The enterprise's consents valid on `on` (today by default), newest first."""
    day = on or today_utc()
    rows = await Consent.filter(
        enterprise_id=enterprise_id,
        revoked_at__isnull=True,
        signed_at__isnull=False,
        valid_from__lte=day,
        valid_until__gte=day,
    ).order_by("-id")
    return [c for c in rows if is_valid(c, on=day)]


def normalise_sources(sources: Iterable[DataSource | str]) -> list[DataSource]:
    """The sources as enum members, duplicates dropped, in the enum's order."""
    wanted = {DataSource(s) for s in sources}
    return [s for s in DataSource if s in wanted]


async def consent_cover(
    enterprise_id: int, sources: Collection[DataSource], purpose: ConsentPurpose
) -> tuple[list[Cover], list[DataSource]]:
    """The sources a valid consent covers (with that consent) and those it does not."""
    consents = await valid_consents(enterprise_id)
    covered: list[Cover] = []
    missing: list[DataSource] = []
    for source in sources:
        found = next((c for c in consents if covers(c, source, purpose)), None)
        if found is None:
            missing.append(source)
        else:
            covered.append(Cover(source, Basis.CONSENT, found))
    return covered, missing


async def monitored_under_contract(enterprise_id: int) -> bool:
    """Whether the enterprise has an outstanding loan whose contract has the monitoring clause."""
    loans = await Loan.filter(
        enterprise_id=enterprise_id, status="ACTIVE", outstanding__gt=Decimal(0)
    ).values_list("contract_id", flat=True)
    if not loans:
        return False
    for contract in await Contract.filter(id__in=list(loans)):
        if await has_monitoring_clause(contract.path):
            return True
    return False


async def resolve(
    enterprise_id: int, sources: Collection[DataSource], purpose: ConsentPurpose
) -> tuple[list[Cover], list[DataSource]]:
    """Covers for the sources (consent first; the loan contract for monitoring) and the
    sources nothing allows."""
    covered, missing = await consent_cover(enterprise_id, sources, purpose)
    if missing and purpose is ConsentPurpose.MONITORING:
        if await monitored_under_contract(enterprise_id):
            covered += [Cover(s, Basis.LOAN_CONTRACT) for s in missing]
            missing = []
    return covered, missing
