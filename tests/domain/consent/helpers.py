"""An enterprise with a verified applicant and no consent, and a provider that answers from
memory, for the consent tests."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from db.models import (
    Consent,
    ConsentPurpose,
    DataSource,
    Enterprise,
    Role,
    User,
    VerificationStatus,
)
from domain.accounts.principal import Principal
from domain.providers.base import ProviderError, Rows
from tests.factories import uscc


@dataclass
class Firm:
    """An enterprise, its verified applicant, an unverified colleague, and an officer."""

    enterprise: Enterprise
    applicant: Principal
    unverified: Principal
    officer: Principal
    other: Principal  # a verified applicant of another enterprise


async def _principal(
    email: str, role: Role, enterprise: Enterprise | None, *, verified: bool = True
) -> Principal:
    user = await User.create(
        email=email,
        password_hash="not-a-real-hash",
        role=role,
        enterprise_id=None if enterprise is None else enterprise.id,
        verification=VerificationStatus.VERIFIED if verified else VerificationStatus.UNVERIFIED,
        verified_at=datetime.now(UTC) if verified else None,
    )
    return Principal(
        user_id=user.id,
        email=email,
        role=role,
        enterprise_id=None if enterprise is None else enterprise.id,
    )


async def make_firm(n: int = 501) -> Firm:
    """A registered enterprise, its people, and a second enterprise; no consent anywhere."""
    own = await Enterprise.create(
        uscc=uscc(n), name="合肥授权科技有限公司", status="active", registered=True
    )
    other = await Enterprise.create(
        uscc=uscc(n + 1), name="芜湖另一家有限公司", status="active", registered=True
    )
    return Firm(
        enterprise=own,
        applicant=await _principal(f"cfo{n}@firm.example", Role.APPLICANT, own),
        unverified=await _principal(f"new{n}@firm.example", Role.APPLICANT, own, verified=False),
        officer=await _principal(f"officer{n}@bank.example", Role.LOAN_OFFICER, None),
        other=await _principal(f"cfo{n}@other.example", Role.APPLICANT, other),
    )


async def signed_consent(
    enterprise: Enterprise,
    by: Principal,
    *,
    sources: Collection[DataSource] = tuple(DataSource),
    purposes: Collection[ConsentPurpose] = (ConsentPurpose.APPLICATION,),
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Consent:
    """A consent row as a signed grant leaves it (without the document)."""
    today = datetime.now(UTC).date()
    return await Consent.create(
        enterprise_id=enterprise.id,
        granted_by_id=by.user_id,
        sources=[s.value for s in sources],
        purposes=[p.value for p in purposes],
        valid_from=valid_from or today,
        valid_until=valid_until or today + timedelta(days=90),
        signed_at=datetime.now(UTC),
    )


@dataclass
class MemoryProvider:
    """Answers every fetch with one row per requested source; fails when told to."""

    fail_with: ProviderError | None = None
    calls: list[tuple[str, tuple[DataSource, ...]]] = field(default_factory=list)
    name: str = "memory"

    async def lookup(self, uscc: str) -> dict[str, Any] | None:
        return {"uscc": uscc, "name": "whatever"}

    async def fetch(self, uscc: str, sources: Collection[DataSource]) -> Rows:
        self.calls.append((uscc, tuple(sources)))
        if self.fail_with is not None:
            raise self.fail_with
        return {"enterprises": [{"uscc": uscc}], "sources": [{"source": s.value} for s in sources]}
