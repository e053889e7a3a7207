"""Colleagues join a verified enterprise by invitation from its administrator.

The administrator names an email; the invitee registers with that email for the same
enterprise and accepts the code the invitation carried: the account is then VERIFIED (not an
administrator). A code is long and random, stored as a hash, valid for 7 days, used once; a new
invitation to the same email withdraws the older one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from db.models import Enterprise, Invitation, Role, User, VerificationStatus
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import (
    DomainError,
    Forbidden,
    InvalidState,
    LimitExceeded,
    NotFound,
    Unavailable,
)
from domain.notify import Notice, NoticeKind, NotifyError, current_notifier

INVITATION_TTL = timedelta(days=7)
MAX_INVITATIONS_PER_DAY = 20
NO_INVITATION = "no open invitation with this code for this account"


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def invite_user(*, principal: Principal, email: str) -> Invitation:
    """Invite a colleague by email to act for the administrator's enterprise."""
    from domain.accounts.service import normalised_email

    admin, enterprise_id = await _administrator(principal)
    address = normalised_email(email)
    if await User.filter(
        email=address, enterprise_id=enterprise_id, verification=VerificationStatus.VERIFIED
    ).exists():
        raise InvalidState("this email already acts for the enterprise", field="email")
    now = datetime.now(UTC)
    sent_today = await Invitation.filter(
        enterprise_id=enterprise_id, created_at__gte=now - timedelta(days=1)
    ).count()
    if sent_today >= MAX_INVITATIONS_PER_DAY:
        raise LimitExceeded("too many invitations today; try again tomorrow")
    enterprise = await Enterprise.get(id=enterprise_id)
    code = secrets.token_urlsafe(18)
    async with in_transaction() as conn:
        await (
            Invitation.filter(
                enterprise_id=enterprise_id, email=address, accepted_at=None, revoked_at=None
            )
            .using_db(conn)
            .update(revoked_at=now)
        )
        invitation = await Invitation.create(
            enterprise_id=enterprise_id,
            email=address,
            invited_by_id=admin.id,
            code_hash=_digest(code),
            expires_at=now + INVITATION_TTL,
            using_db=conn,
        )
        await audit.record(
            actor=admin.email,
            action="invitation_sent",
            entity_type="enterprise",
            entity_id=enterprise_id,
            data={"invitation_id": invitation.id, "email": address},
            connection=conn,
        )
        notice = Notice(
            kind=NoticeKind.INVITATION,
            address=address,
            uscc=enterprise.uscc,
            data={"code": code, "enterprise": enterprise.name, "expires_at": now + INVITATION_TTL},
        )
        try:
            await current_notifier().send(notice)
        except NotifyError as exc:
            raise Unavailable(f"the invitation could not be sent: {exc}") from exc
    return invitation


async def _administrator(principal: Principal) -> tuple[User, int]:
    """The caller's account and enterprise when it is a verified administrator of it."""
    admin = await User.get_or_none(id=principal.user_id)
    enterprise_id = admin.enterprise_id if admin is not None else None  # type: ignore[attr-defined]
    if (
        admin is None
        or enterprise_id is None
        or principal.role != Role.APPLICANT
        or admin.verification != VerificationStatus.VERIFIED
        or not admin.enterprise_admin
    ):
        raise Forbidden("only a verified administrator of the enterprise invites colleagues")
    return admin, enterprise_id


async def accept_invitation(*, principal: Principal, code: str) -> User:
    """The caller's account, VERIFIED by an invitation to its email and enterprise."""
    user = await User.get_or_none(id=principal.user_id)
    if user is None or principal.role != Role.APPLICANT:
        raise Forbidden("invitations are for applicants of an enterprise")
    if user.verification == VerificationStatus.REVOKED:
        raise Forbidden("the bank revoked this account's verification; contact the bank")
    if user.verification == VerificationStatus.VERIFIED:
        raise InvalidState("this account is already verified")
    invitation = await Invitation.get_or_none(code_hash=_digest(code)) if code.strip() else None
    problem = await _problem(invitation, user)
    if problem is not None:
        await audit.record(
            actor=user.email,
            action="invitation_accept_refused",
            entity_type="user",
            entity_id=user.id,
            data={"reason": problem.message},
        )
        raise problem
    assert invitation is not None
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        claimed = (
            await Invitation.filter(id=invitation.id, accepted_at=None, revoked_at=None)
            .using_db(conn)
            .update(accepted_at=now)
        )
        if not claimed:
            raise InvalidState("this invitation was already used")
        await (
            User.filter(id=user.id)
            .using_db(conn)
            .update(
                verification=VerificationStatus.VERIFIED, verified_at=now, enterprise_admin=False
            )
        )
        await audit.record(
            actor=user.email,
            action="invitation_accepted",
            entity_type="user",
            entity_id=user.id,
            data={"invitation_id": invitation.id, "invited_by": invitation.invited_by_id},
            connection=conn,
        )
    await user.refresh_from_db()
    return user


async def _problem(invitation: Invitation | None, user: User) -> DomainError | None:
    """Why the invitation cannot verify this account; None when it can."""
    if (
        invitation is None
        or invitation.enterprise_id != user.enterprise_id  # type: ignore[attr-defined]
        or invitation.email != user.email
    ):
        return NotFound(NO_INVITATION, field="code")
    if invitation.accepted_at is not None:
        return InvalidState("this invitation was already used", field="code")
    if invitation.revoked_at is not None:
        return InvalidState("this invitation was withdrawn", field="code")
    if invitation.expires_at <= datetime.now(UTC):
        return InvalidState("this invitation expired; ask for a new one", field="code")
    inviter_still_admin = await User.filter(
        id=invitation.invited_by_id,
        enterprise_admin=True,
        verification=VerificationStatus.VERIFIED,
    ).exists()
    if not inviter_still_admin:
        return InvalidState("the sender no longer administers the enterprise", field="code")
    return None


__all__ = ["INVITATION_TTL", "accept_invitation", "invite_user"]
