"""Root fields of accounts: the caller, registration, login and verification."""

from __future__ import annotations

import strawberry

import resolvers.user
import resolvers.verification
from schema.connection import Connection
from schema.types.user import AuthPayload, User
from schema.types.verification import InvitationPayload, PendingVerification, VerificationPayload


@strawberry.type
class UserQuery:
    me: User | None = strawberry.field(
        resolver=resolvers.user.me, description="The caller; null when not logged in."
    )
    pending_verifications: Connection[PendingVerification] = strawberry.field(
        resolver=resolvers.verification.pending_verifications,
        description="Bank staff: applicant accounts not verified yet, oldest first.",
    )


@strawberry.type
class UserMutation:
    register: AuthPayload = strawberry.mutation(
        resolver=resolvers.user.register,
        description="Open an account for an enterprise (UNVERIFIED until verified); returns a "
        "token. The payload reads the new account's enterprise id, uscc and name.",
    )
    login: AuthPayload = strawberry.mutation(
        resolver=resolvers.user.login, description="Exchange credentials for a token."
    )
    request_verification: VerificationPayload = strawberry.mutation(
        resolver=resolvers.verification.request_verification,
        description="Send a small random deposit to the enterprise's settlement account on "
        "record and a code to its legal representative's contact on record.",
    )
    confirm_verification: VerificationPayload = strawberry.mutation(
        resolver=resolvers.verification.confirm_verification,
        description="Confirm the deposit amount and the legal representative's code: the "
        "account becomes VERIFIED (the first of its enterprise administers it).",
    )
    invite_user: InvitationPayload = strawberry.mutation(
        resolver=resolvers.verification.invite_user,
        description="An enterprise's administrator invites a colleague by email.",
    )
    accept_invitation: VerificationPayload = strawberry.mutation(
        resolver=resolvers.verification.accept_invitation,
        description="Verify the caller's account with the code of an invitation to its email.",
    )
    revoke_verification: VerificationPayload = strawberry.mutation(
        resolver=resolvers.verification.revoke_verification,
        description="Bank staff: revoke an applicant account; it then reads and applies for "
        "nothing.",
    )
