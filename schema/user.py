"""Root fields of accounts: the caller, registration and login."""

from __future__ import annotations

import strawberry

import resolvers.user
from schema.types.user import AuthPayload, User


@strawberry.type
class UserQuery:
    me: User | None = strawberry.field(
        resolver=resolvers.user.me, description="The caller; null when not logged in."
    )


@strawberry.type
class UserMutation:
    register: AuthPayload = strawberry.mutation(
        resolver=resolvers.user.register, description="Sign an enterprise up; returns a token."
    )
    login: AuthPayload = strawberry.mutation(
        resolver=resolvers.user.login, description="Exchange credentials for a token."
    )
