"""Users, registration and authentication payloads as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

import resolvers.enterprise
from db import models as m
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise

Role = strawberry.enum(m.Role, name="Role", description="Who a user is to the bank.")
VerificationStatus = strawberry.enum(
    m.VerificationStatus,
    name="VerificationStatus",
    description="Whether an applicant account has proven it acts for its enterprise.",
)


@strawberry.type(description="A login: an applicant of one enterprise, or bank staff.")
class User:
    id: strawberry.ID = opaque_id("User")
    email: str = strawberry.field(description="Login email.")
    role: Role = strawberry.field(description="The user's role.")  # type: ignore[valid-type]
    verification: VerificationStatus = strawberry.field(  # type: ignore[valid-type]
        description="UNVERIFIED until the account proves it acts for its enterprise "
        "(requestVerification, confirmVerification or an invitation); REVOKED by the bank. "
        "Staff accounts are VERIFIED."
    )
    verified_at: datetime | None = strawberry.field(description="When it was verified.")
    enterprise_admin: bool = strawberry.field(
        description="The enterprise's administrator (its first verified account): invites "
        "colleagues."
    )
    enterprise: Enterprise | None = strawberry.field(
        resolver=resolvers.enterprise.user_enterprise,
        description="The applicant's enterprise (before verification only its id, uscc and "
        "name); null for staff.",
    )


@strawberry.type(
    description="The result of register, login, refreshToken or confirmTotp: a session."
)
class AuthPayload:
    token: str | None = strawberry.field(
        description="A short-lived bearer (access) token, on success. With `enrolmentOnly` it "
        "is good for me, enrollTotp, confirmTotp and logout only."
    )
    refresh_token: str | None = strawberry.field(
        description="Exchanged by refreshToken for a new token and refresh token (each is good "
        "once: using one twice ends the session). Null with `enrolmentOnly`."
    )
    expires_at: datetime | None = strawberry.field(description="When `token` expires.")
    enrolment_only: bool = strawberry.field(
        description="Staff who move money and have no second factor yet: the token only "
        "enrols one (errors say so); log in again with `otp` afterwards."
    )
    user: User | None = strawberry.field(description="The user, on success.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="A second factor being enrolled: shown once, then never again.")
class TotpEnrollment:
    uri: str | None = strawberry.field(
        description="An otpauth:// URI for an authenticator app (often shown as a QR code)."
    )
    secret: str | None = strawberry.field(description="The shared secret (base32), to type in.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="The result of logout.")
class LogoutPayload:
    ok: bool = strawberry.field(description="The session ended: its tokens no longer work.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="What an enterprise gives to sign up.")
class RegisterInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(
        description="At least 12 characters, not a common password, not the email's name."
    )
    uscc: str = strawberry.field(description="The enterprise's Unified Social Credit Code.")
    enterprise_name: str = strawberry.field(description="Registered name; must match the registry.")


__all__ = [
    "AuthPayload",
    "LogoutPayload",
    "RegisterInput",
    "Role",
    "TotpEnrollment",
    "User",
    "VerificationStatus",
]
