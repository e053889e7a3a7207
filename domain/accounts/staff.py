"""What bank staff do about verification: see who waits, and revoke an account."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from db.batch import by_ids, keyset_page
from db.models import (
    ChallengeStatus,
    Enterprise,
    Invitation,
    Role,
    User,
    VerificationChallenge,
    VerificationStatus,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.notify import Notice, NoticeKind, NotifyError, current_notifier

log = logging.getLogger("ipcredit.accounts")
MAX_REASON = 500


@dataclass(frozen=True)
class PendingVerification:
    """An applicant account not verified yet, its enterprise, and its latest challenge."""

    user: User
    enterprise: Enterprise | None
    challenge: VerificationChallenge | None


@dataclass(frozen=True)
class PendingPage:
    """Up to first+1 pending accounts by id, and how many there are when counted."""

    items: list[PendingVerification]
    total_count: int | None


async def pending_verifications(
    *, principal: Principal, first: int, after: int | None, count: bool = True
) -> PendingPage:
    """Applicant accounts still UNVERIFIED, oldest first, each with its enterprise and its
    latest challenge (none when it never asked); three queries for a page."""
    principal.require_staff()
    query = User.filter(role=Role.APPLICANT, verification=VerificationStatus.UNVERIFIED)
    page = await keyset_page(query, first=first, after=after, count=count)
    users: list[User] = [u for u in page.rows if isinstance(u, User)]
    enterprise_ids = [u.enterprise_id or 0 for u in users]  # applicants always have one
    enterprises = await by_ids(Enterprise, enterprise_ids)
    latest: dict[int, VerificationChallenge] = {}
    for c in await VerificationChallenge.filter(user_id__in=[u.id for u in users]).order_by("id"):
        latest[c.user_id] = c
    items = [
        PendingVerification(u, e, latest.get(u.id)) for u, e in zip(users, enterprises, strict=True)
    ]
    return PendingPage(items, page.total_count)


async def revoke_verification(*, principal: Principal, user_id: int, reason: str) -> User:
    """Revoke an applicant account: it reads and applies for nothing from now on, its open
    challenge and the invitations it sent are withdrawn; audited with the reason."""
    principal.require_staff()
    reason = reason.strip()
    if not reason:
        raise InvalidInput("give the reason for revoking", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters", field="reason")
    user = await User.get_or_none(id=user_id, role=Role.APPLICANT)
    if user is None:
        raise NotFound("no such applicant account", field="userId")
    if user.verification == VerificationStatus.REVOKED:
        raise InvalidState("this account is already revoked")
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await (
            User.filter(id=user.id)
            .using_db(conn)
            .update(verification=VerificationStatus.REVOKED, enterprise_admin=False)
        )
        await (
            VerificationChallenge.filter(user_id=user.id, status=ChallengeStatus.PENDING)
            .using_db(conn)
            .update(status=ChallengeStatus.SUPERSEDED)
        )
        await (
            Invitation.filter(invited_by_id=user.id, accepted_at=None, revoked_at=None)
            .using_db(conn)
            .update(revoked_at=now)
        )
        await audit.record(
            actor=principal.email,
            action="verification_revoked",
            entity_type="user",
            entity_id=user.id,
            data={"reason": reason, "was": user.verification.value, "admin": user.enterprise_admin},
            connection=conn,
        )
    await user.refresh_from_db()
    notice = Notice(kind=NoticeKind.VERIFICATION_REVOKED, address=user.email, data={})
    try:
        await current_notifier().send(notice)
    except NotifyError as exc:
        log.warning("could not tell account %s of its revocation: %s", user.id, exc)
    return user


__all__ = ["PendingPage", "PendingVerification", "pending_verifications", "revoke_verification"]
