"""Root fields of accounts: the caller, registration, login and verification."""

from __future__ import annotations

import strawberry

import resolvers.user
import resolvers.verification
from schema.connection import Connection
from schema.types.user import AuthPayload, LogoutPayload, TotpEnrollment, User
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
        resolver=resolvers.user.login,
        description="Exchange credentials for a session (token and refresh token). Loan "
        "officers and risk managers add `otp`, a code of their authenticator app; before "
        "they enrolled one they get a token that only enrols it (enrolmentOnly).",
    )
    refresh_token: AuthPayload = strawberry.mutation(
        resolver=resolvers.user.refresh_token,
        description="Exchange a refresh token for a new token and refresh token. A refresh "
        "token used twice ends its session.",
    )
    logout: LogoutPayload = strawberry.mutation(
        resolver=resolvers.user.logout,
        description="End the caller's session: its tokens stop working at once, open "
        "websockets included.",
    )
    enroll_totp: TotpEnrollment = strawberry.mutation(
        resolver=resolvers.user.enroll_totp,
        description="Start enrolling a second factor (TOTP): an otpauth:// URI and the secret, "
        "shown once. Confirm it with confirmTotp.",
    )
    confirm_totp: AuthPayload = strawberry.mutation(
        resolver=resolvers.user.confirm_totp,
        description="Confirm the second factor with a code of the authenticator app; from then "
        "on it is required where the role or the action needs it. Returns a full session.",
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
