"""A caller's standing read fresh: verification and session are never taken from a token alone.

A token says who the caller is; whether that account may act for its enterprise can change at
any moment (verified, revoked by staff), and so can whether its session still stands (logout,
a reused refresh token, a role change). One query reads both. An applicant's standing is read
on every request; staff's is remembered for at most a second per session in this process
(revocations made here are forgotten at once), so a session ended elsewhere stops within one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime

from tortoise.expressions import Subquery

from db.models import RevokedSession, Role, User, VerificationStatus
from domain.accounts.principal import Principal

STAFF_RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Standing:
    """What one query says of an account and its session."""

    verification: VerificationStatus
    role: Role
    sessions_valid_after: datetime | None
    session_revoked: bool


class SessionCache:
    """Staff sessions found standing, per (user, session), with when they were checked."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._checked: dict[tuple[int, str], float] = {}

    def fresh(self, user_id: int, session_id: str, max_age: float) -> bool:
        """Whether the session was found standing less than `max_age` seconds ago."""
        checked = self._checked.get((user_id, session_id))
        return checked is not None and time.monotonic() - checked < max_age

    def put(self, user_id: int, session_id: str) -> None:
        """Remember that the session stands now."""
        if len(self._checked) >= self.max_entries:
            self._checked.pop(next(iter(self._checked)))
        self._checked[(user_id, session_id)] = time.monotonic()

    def forget(self, user_id: int) -> None:
        """Forget the user's sessions (after a revocation in this process)."""
        for key in [k for k in self._checked if k[0] == user_id]:
            self._checked.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self._checked.clear()


session_cache = SessionCache()


def principal_of(user: User) -> Principal:
    """The principal a user acts as (an applicant acts for its enterprise once verified)."""
    if Role(user.role) == Role.APPLICANT:
        return Principal.applicant(
            user_id=user.id,
            email=user.email,
            enterprise_id=user.enterprise_id,  # type: ignore[attr-defined]
            verification=VerificationStatus(user.verification),
        )
    return Principal(
        user_id=user.id,
        email=user.email,
        role=Role(user.role),
        enterprise_id=user.enterprise_id,  # type: ignore[attr-defined]
        institution_id=user.institution_id if Role(user.role) == Role.GUARANTOR else None,
    )


async def read_standing(user_id: int, session_id: str | None) -> Standing | None:
    """The account's standing and whether the session is revoked (one query); None when the
    account no longer exists."""
    query = User.filter(id=user_id)
    columns = ["verification", "role", "sessions_valid_after"]
    if session_id is not None:
        revoked = RevokedSession.filter(family=session_id).limit(1).values("id")
        query = query.annotate(revoked=Subquery(revoked))
        columns.append("revoked")
    found = await query.values(*columns)
    if not found:
        return None
    row = found[0]
    return Standing(
        verification=VerificationStatus(row["verification"]),
        role=Role(row["role"]),
        sessions_valid_after=row["sessions_valid_after"],
        session_revoked=row.get("revoked") is not None,
    )


def _session_stands(principal: Principal, standing: Standing | None, now: float) -> bool:
    session = principal.session
    if standing is None or standing.role != principal.role:
        return False
    if session is None:
        return True
    if session.expires_at <= now or standing.session_revoked:
        return False
    after = standing.sessions_valid_after
    return after is None or session.issued_at > after.timestamp()


async def current_verification(user_id: int) -> VerificationStatus:
    """The account's verification now; an account that no longer exists counts as revoked."""
    found = await User.filter(id=user_id).values("verification")
    return VerificationStatus(found[0]["verification"]) if found else VerificationStatus.REVOKED


async def fresh_principal(
    principal: Principal, *, max_age: float = STAFF_RECHECK_SECONDS
) -> Principal | None:
    """The principal with the applicant's verification as stored now, or None when its
    session ended (logout, revocation, expiry, a role change). Staff sessions found standing
    less than `max_age` seconds ago are not read again; 0 always reads."""
    session = principal.session
    now = time.time()
    if principal.role != Role.APPLICANT and session is not None:
        if session.expires_at <= now:
            return None
        if session_cache.fresh(principal.user_id, session.session_id, max_age):
            return principal
    if principal.role != Role.APPLICANT and session is None:
        return principal  # built in this process (jobs, the command line)
    standing = await read_standing(principal.user_id, session.session_id if session else None)
    if not _session_stands(principal, standing, now):
        return None
    assert standing is not None
    if principal.role != Role.APPLICANT:
        assert session is not None
        session_cache.put(principal.user_id, session.session_id)
        return principal
    updated = replace(
        Principal.applicant(
            user_id=principal.user_id,
            email=principal.email,
            enterprise_id=principal.own_enterprise_id,
            verification=standing.verification,
        ),
        session=session,
    )
    return updated if updated != principal else principal


async def require_verified(principal: Principal) -> Principal:
    """The principal when it may act for its enterprise; UNVERIFIED otherwise. Reads the state
    when the principal does not carry it."""
    if principal.role != Role.APPLICANT:
        return principal
    if principal.verification is None:
        principal = replace(principal, verification=await current_verification(principal.user_id))
    if principal.unverified:
        raise principal.unverified_error()
    return principal


__all__ = [
    "SessionCache",
    "Standing",
    "current_verification",
    "fresh_principal",
    "principal_of",
    "read_standing",
    "require_verified",
    "session_cache",
]
