"""What an enterprise's verified users and bank staff read: its consents and its data-access
log. Applicants never see a staff email in the log: a pull by staff shows the staff role, one by
the platform itself shows "bank"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from db.models import Consent, ConsentPurpose, DataAccess, DataSource, Role, User
from db.models import VerificationStatus as VS
from domain.accounts.principal import STAFF_ROLES, Principal
from domain.consent.coverage import is_valid, today_utc
from domain.errors import Forbidden, Unverified

BANK = "bank"


class ConsentState(StrEnum):
    """Where a consent stands today."""

    ACTIVE = "ACTIVE"
    NOT_YET_VALID = "NOT_YET_VALID"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    UNSIGNED = "UNSIGNED"


def state_of(consent: Consent) -> ConsentState:
    """The consent's state today."""
    today = today_utc()
    if consent.revoked_at is not None:
        return ConsentState.REVOKED
    if consent.signed_at is None:
        return ConsentState.UNSIGNED
    if is_valid(consent, on=today):
        return ConsentState.ACTIVE
    return ConsentState.NOT_YET_VALID if today < consent.valid_from else ConsentState.EXPIRED


@dataclass(frozen=True)
class LogEntry:
    """One data-access log row as the caller may see it."""

    id: int
    at: datetime
    source: DataSource
    purpose: ConsentPurpose
    actor: str
    outcome: str
    basis: str
    consent_id: int | None
    detail: str | None  # staff only


@dataclass(frozen=True)
class LogPage:
    """Up to first+1 entries newest first (one more means more follow), and the total if
    counted."""

    rows: list[LogEntry]
    total_count: int | None


async def require_reader(principal: Principal, enterprise_id: int) -> None:
    """Staff, or a verified user of the enterprise (its verification read fresh)."""
    if principal.is_staff:
        return
    if principal.role != Role.APPLICANT or principal.enterprise_id != enterprise_id:
        raise Forbidden("not allowed for this enterprise")
    status = await User.filter(id=principal.user_id).values_list("verification", flat=True)
    if not status or status[0] != VS.VERIFIED:
        raise Unverified("the account must be verified for its enterprise first")


async def consents_of(*, principal: Principal, enterprise_id: int) -> list[Consent]:
    """The enterprise's consents, newest first."""
    await require_reader(principal, enterprise_id)
    return list(await Consent.filter(enterprise_id=enterprise_id).order_by("-id"))


async def access_log(
    *,
    principal: Principal,
    enterprise_id: int,
    first: int,
    after_id: int | None = None,
    count: bool = False,
) -> LogPage:
    """A page of the enterprise's data-access log, newest first."""
    await require_reader(principal, enterprise_id)
    query = DataAccess.filter(enterprise_id=enterprise_id)
    total = await query.count() if count else None
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    rows = list(await query.order_by("-id").limit(first + 1))
    names = await _shown_actors(principal, enterprise_id, {r.actor for r in rows})
    return LogPage([_entry(r, names, staff=principal.is_staff) for r in rows], total)


def _entry(row: DataAccess, names: dict[str, str], *, staff: bool) -> LogEntry:
    return LogEntry(
        id=row.id,
        at=row.at,
        source=DataSource(row.source),
        purpose=ConsentPurpose(row.purpose),
        actor=names.get(row.actor, BANK),
        outcome=row.outcome,
        basis=row.basis,
        consent_id=row.consent_id,
        detail=row.detail if staff else None,
    )


async def _shown_actors(
    principal: Principal, enterprise_id: int, actors: set[str]
) -> dict[str, str]:
    """How each actor reads: staff see it as logged; applicants see a colleague's email, a
    staff member's role, and "bank" for anything else."""
    if principal.is_staff:
        return {a: a for a in actors}
    emails = {a.removeprefix("user:"): a for a in actors if a.startswith("user:")}
    shown: dict[str, str] = {}
    if emails:
        users = await User.filter(email__in=list(emails)).values("email", "role", "enterprise_id")
        for user in users:
            actor = emails[user["email"]]
            if user["role"] in STAFF_ROLES:
                shown[actor] = str(user["role"])
            elif user["enterprise_id"] == enterprise_id:
                shown[actor] = user["email"]
    return shown
