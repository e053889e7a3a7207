"""Verification of applicant accounts as the API shows it: payloads, invitations, the staff list."""

from __future__ import annotations

from datetime import datetime

import strawberry

import resolvers.verification
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise
from schema.types.user import User


@strawberry.type(description="An account after a verification step, or why the step failed.")
class VerificationPayload:
    user: User | None = strawberry.field(description="The account, as it stands now.")
    expires_at: datetime | None = strawberry.field(
        description="When the open challenge (deposit and code) expires; null when none is open."
    )
    attempts_left: int | None = strawberry.field(
        description="Answers the open challenge still accepts; null when none is open."
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="An invitation to act for an enterprise, sent to a colleague's email.")
class Invitation:
    id: strawberry.ID = opaque_id("Invitation")
    email: str = strawberry.field(description="The invited email.")
    expires_at: datetime = strawberry.field(description="The code is valid until then.")
    accepted_at: datetime | None = strawberry.field(description="When the colleague accepted.")
    created_at: datetime = strawberry.field(description="When it was sent.")


@strawberry.type(description="The result of inviteUser.")
class InvitationPayload:
    invitation: Invitation | None = strawberry.field(description="The invitation, on success.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="An applicant account not verified yet (bank staff only).")
class PendingVerification:
    user: User = strawberry.field(description="The account.")
    enterprise: Enterprise | None = strawberry.field(
        description="The enterprise it registered for."
    )
    challenge_status: str | None = strawberry.field(
        resolver=resolvers.verification.challenge_status,
        description="The latest challenge: PENDING, FAILED, EXPIRED...; null when none was sent.",
    )
    requested_at: datetime | None = strawberry.field(
        resolver=resolvers.verification.challenge_requested_at,
        description="When the latest challenge was sent.",
    )
    expires_at: datetime | None = strawberry.field(
        resolver=resolvers.verification.challenge_expires_at,
        description="When the latest challenge expires.",
    )
    attempts: int = strawberry.field(
        resolver=resolvers.verification.challenge_attempts,
        description="Answers given to the latest challenge.",
    )


__all__ = ["Invitation", "InvitationPayload", "PendingVerification", "VerificationPayload"]
