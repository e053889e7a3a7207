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


@strawberry.type(description="The result of register or login.")
class AuthPayload:
    token: str | None = strawberry.field(description="A bearer token, on success.")
    user: User | None = strawberry.field(description="The user, on success.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="What an enterprise gives to sign up.")
class RegisterInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="At least 10 characters.")
    uscc: str = strawberry.field(description="The enterprise's Unified Social Credit Code.")
    enterprise_name: str = strawberry.field(description="Registered name; must match the registry.")


__all__ = ["AuthPayload", "RegisterInput", "Role", "User", "VerificationStatus"]
