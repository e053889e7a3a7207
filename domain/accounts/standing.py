"""An applicant's standing read fresh: verification is never taken from a token.

A token says who the caller is; whether that account may act for its enterprise can change at
any moment (verified, revoked by staff), so each request reads it once, here.
"""

from __future__ import annotations

from dataclasses import replace

from db.models import Role, User, VerificationStatus
from domain.accounts.principal import Principal


async def current_verification(user_id: int) -> VerificationStatus:
    """The account's verification now; an account that no longer exists counts as revoked."""
    found = await User.filter(id=user_id).values("verification")
    return VerificationStatus(found[0]["verification"]) if found else VerificationStatus.REVOKED


async def fresh_principal(principal: Principal) -> Principal:
    """The principal with the applicant's verification as stored now (one query); staff and
    service accounts unchanged."""
    if principal.role != Role.APPLICANT:
        return principal
    status = await current_verification(principal.user_id)
    updated = Principal.applicant(
        user_id=principal.user_id,
        email=principal.email,
        enterprise_id=principal.own_enterprise_id,
        verification=status,
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


__all__ = ["current_verification", "fresh_principal", "require_verified"]
