"""Verification of applicant accounts (KYB): deposits and codes, invitations, staff review."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from db import models as m
from domain.accounts import invitations, staff, verification
from domain.accounts.principal import Principal
from domain.accounts.service import principal_of
from domain.accounts.staff import PendingVerification
from domain.accounts.verification import VerificationState
from domain.errors import DomainError
from domain.providers.runtime import current_provider
from resolvers.connection import Page, page_args, page_of
from resolvers.context import ctx
from resolvers.errors import PayloadError, payload
from resolvers.ids import decode_id
from resolvers.selection import connection_selection


@dataclass(frozen=True)
class VerificationPayload:
    """An account after a verification step, its open challenge, or why the step failed."""

    user: m.User | None = None
    expires_at: datetime | None = None
    attempts_left: int | None = None
    errors: list[PayloadError] = field(default_factory=list)

    @classmethod
    def of(
        cls, state: VerificationState | None = None, errors: list[PayloadError] | None = None
    ) -> VerificationPayload:
        """The payload of an account's state, with the errors of a refused step."""
        if state is None:
            return cls(errors=errors or [])
        return cls(
            user=state.user,
            expires_at=state.expires_at,
            attempts_left=state.attempts_left,
            errors=errors or [],
        )


@dataclass(frozen=True)
class InvitationPayload:
    """An invitation sent, or why not."""

    invitation: m.Invitation | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def _step(
    info: Info, principal: Principal, call: Callable[[], Awaitable[VerificationState]]
) -> VerificationPayload:
    """Run a step of the caller's own verification: on success the rest of the request acts
    with the account's new standing; on a refusal the payload still shows the account."""
    try:
        state = await call()
    except DomainError as exc:
        now = await verification.verification_state(user_id=principal.user_id)
        return VerificationPayload.of(now, [PayloadError.of(exc)])
    ctx(info).principal = principal_of(state.user)
    return VerificationPayload.of(state)


async def request_verification(info: Info) -> VerificationPayload:
    """Send a micro-deposit and a legal representative code for the caller's account."""
    principal = ctx(info).require()
    return await _step(
        info,
        principal,
        lambda: verification.request_verification(principal=principal, provider=current_provider()),
    )


async def confirm_verification(
    info: Info, deposit_amount: Decimal, legal_rep_code: str
) -> VerificationPayload:
    """Confirm the deposit amount and the code."""
    principal = ctx(info).require()
    return await _step(
        info,
        principal,
        lambda: verification.confirm_verification(
            principal=principal, deposit_amount=deposit_amount, legal_rep_code=legal_rep_code
        ),
    )


async def accept_invitation(info: Info, code: str) -> VerificationPayload:
    """Verify the caller's account with an invitation's code."""
    principal = ctx(info).require()

    async def call() -> VerificationState:
        return VerificationState(
            await invitations.accept_invitation(principal=principal, code=code)
        )

    return await _step(info, principal, call)


async def invite_user(info: Info, email: str) -> InvitationPayload:
    """Invite a colleague to act for the caller's enterprise."""
    principal = ctx(info).require()
    return await payload(
        InvitationPayload, lambda: invitations.invite_user(principal=principal, email=email)
    )


async def revoke_verification(
    info: Info, user_id: strawberry.ID, reason: str
) -> VerificationPayload:
    """Staff revoke an applicant account."""
    principal = ctx(info).require_staff()
    pk = decode_id(str(user_id), "User") or 0

    async def call() -> VerificationState:
        user = await staff.revoke_verification(principal=principal, user_id=pk, reason=reason)
        return VerificationState(user)

    return await payload(VerificationPayload.of, call)


async def pending_verifications(
    info: Info, first: int | None = 20, after: str | None = None
) -> Page[PendingVerification]:
    """Staff: applicant accounts waiting for verification, oldest first."""
    principal = ctx(info).require_staff()
    n, after_key = page_args(first, after)
    found = await staff.pending_verifications(
        principal=principal, first=n, after=after_key, count=connection_selection(info).count
    )
    return page_of(found.items, n, found.total_count, key=lambda p: p.user.id)


def challenge_status(root: strawberry.Parent[PendingVerification]) -> str | None:
    """The latest challenge's status."""
    return None if root.challenge is None else root.challenge.status.value


def challenge_requested_at(root: strawberry.Parent[PendingVerification]) -> datetime | None:
    """When the latest challenge was sent."""
    return None if root.challenge is None else root.challenge.created_at


def challenge_expires_at(root: strawberry.Parent[PendingVerification]) -> datetime | None:
    """When the latest challenge expires."""
    return None if root.challenge is None else root.challenge.expires_at


def challenge_attempts(root: strawberry.Parent[PendingVerification]) -> int:
    """Wrong or right answers given to the latest challenge."""
    return 0 if root.challenge is None else root.challenge.attempts


__all__ = [
    "InvitationPayload",
    "VerificationPayload",
    "accept_invitation",
    "confirm_verification",
    "invite_user",
    "pending_verifications",
    "request_verification",
    "revoke_verification",
]
