"""Users and authentication payloads."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from db import models as m
from schema.errors import UserError
from schema.ids import encode_id
from schema.types.world import Enterprise, load_enterprise

Role = strawberry.enum(m.Role, name="Role", description="Who a user is to the bank.")


@strawberry.type(description="A login: an applicant of one enterprise, or bank staff.")
class User:
    _m: strawberry.Private[m.User]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    email: str = strawberry.field(description="Login email.")
    role: Role = strawberry.field(description="The user's role.")  # type: ignore[valid-type]

    @classmethod
    def of(cls, r: m.User) -> User:
        """The API view of a record."""
        return cls(_m=r, id=strawberry.ID(encode_id("User", r.id)), email=r.email, role=r.role)

    @strawberry.field(description="The applicant's enterprise; null for staff.")
    async def enterprise(self, info: Info) -> Enterprise | None:
        return await load_enterprise(info, self._m.enterprise_id)  # type: ignore[attr-defined]


@strawberry.type(description="The result of register or login.")
class AuthPayload:
    token: str | None = strawberry.field(description="A bearer token, on success.")
    user: User | None = strawberry.field(description="The user, on success.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")
