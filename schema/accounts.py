"""Registration, login and `me`."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.accounts import service
from domain.errors import DomainError
from schema.errors import user_errors
from schema.types.user import AuthPayload, User
from schema.types.world import ctx


@strawberry.input(description="What an enterprise gives to sign up.")
class RegisterInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="At least 10 characters.")
    uscc: str = strawberry.field(description="The enterprise's Unified Social Credit Code.")
    enterprise_name: str = strawberry.field(description="Registered name; must match the registry.")


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The caller; null when not logged in.")
    async def me(self, info: Info) -> User | None:
        principal = ctx(info).principal
        if principal is None:
            return None
        user = await service.get_user(user_id=principal.user_id)
        return User.of(user) if user is not None else None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Sign an enterprise up; returns a token.")
    async def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        from domain.providers.runtime import current_provider

        try:
            result = await service.register(
                email=input.email,
                password=input.password,
                uscc=input.uscc,
                enterprise_name=input.enterprise_name,
                provider=current_provider(),
            )
        except DomainError as exc:
            return AuthPayload(token=None, user=None, errors=user_errors(exc))
        return AuthPayload(token=result.token, user=User.of(result.user), errors=[])

    @strawberry.mutation(description="Exchange credentials for a token.")
    async def login(self, info: Info, email: str, password: str) -> AuthPayload:
        try:
            result = await service.login(email=email, password=password)
        except DomainError as exc:
            return AuthPayload(token=None, user=None, errors=user_errors(exc))
        return AuthPayload(token=result.token, user=User.of(result.user), errors=[])
