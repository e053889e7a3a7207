"""Applicants that tests of other features need: verified (KYB) and with a data consent.

Tests of verification and consent themselves go through `domain.accounts` and `domain.consent`;
everything else starts from an applicant a bank would already trust, made here directly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from db.models import Consent, ConsentPurpose, DataSource, Role, User, VerificationStatus


async def trust(user: User) -> User:
    """Mark an applicant verified (the first of its enterprise administers it) and give its
    enterprise a consent for every source and purpose, valid for a year; staff are verified."""
    now = datetime.now(UTC)
    first = (
        user.enterprise_id is not None
        and not await User.filter(  # type: ignore[attr-defined]
            enterprise_id=user.enterprise_id,
            enterprise_admin=True,  # type: ignore[attr-defined]
        ).exists()
    )
    await User.filter(id=user.id).update(
        verification=VerificationStatus.VERIFIED, verified_at=now, enterprise_admin=first
    )
    user.verification = VerificationStatus.VERIFIED
    user.verified_at = now
    user.enterprise_admin = first
    if user.role == Role.APPLICANT and user.enterprise_id is not None:  # type: ignore[attr-defined]
        if not await Consent.filter(enterprise_id=user.enterprise_id).exists():  # type: ignore[attr-defined]
            today = now.date()
            await Consent.create(
                enterprise_id=user.enterprise_id,  # type: ignore[attr-defined]
                granted_by_id=user.id,
                sources=[s.value for s in DataSource],
                purposes=[p.value for p in ConsentPurpose],
                valid_from=today - timedelta(days=1),
                valid_until=date(today.year + 1, today.month, min(today.day, 28)),
                signed_at=now,
            )
    return user
