"""Accounts: the caller, registration and login."""

# no `from __future__ import annotations`: strawberry cannot resolve a lazy input type of a
# resolver argument from a string annotation
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from db import models as m
from domain.accounts import service
from domain.accounts.service import AuthResult
from domain.providers.runtime import current_provider
from resolvers.context import ctx
from resolvers.errors import PayloadError, payload

if TYPE_CHECKING:
    from schema.types.user import RegisterInput


@dataclass(frozen=True)
class AuthPayload:
    """What register or login hands back: a token and its user, or why not."""

    token: str | None = None
    user: m.User | None = None
    errors: list[PayloadError] = field(default_factory=list)

    @classmethod
    def of(
        cls, result: AuthResult | None = None, *, errors: list[PayloadError] | None = None
    ) -> "AuthPayload":
        """The outcome of a domain call's result, or of its errors."""
        if result is None:
            return cls(errors=errors or [])
        return cls(token=result.token, user=result.user)


async def me(info: Info) -> m.User | None:
    """The caller; None when anonymous."""
    principal = ctx(info).principal
    if principal is None:
        return None
    return await service.get_user(user_id=principal.user_id)


async def register(
    info: Info, input: Annotated["RegisterInput", strawberry.lazy("schema.types.user")]
) -> AuthPayload:
    """Open an account for an enterprise; the payload reads as the new account."""
    return await payload(
        lambda result=None, errors=None: _signed_in(info, result, errors),
        lambda: service.register(
            email=input.email,
            password=input.password,
            uscc=input.uscc,
            enterprise_name=input.enterprise_name,
            provider=current_provider(),
        ),
    )


async def login(info: Info, email: str, password: str) -> AuthPayload:
    """Exchange credentials for a token; the payload reads as the account."""
    return await payload(
        lambda result=None, errors=None: _signed_in(info, result, errors),
        lambda: service.login(email=email, password=password),
    )


def _signed_in(
    info: Info, result: AuthResult | None, errors: list[PayloadError] | None
) -> AuthPayload:
    """The payload; on success the rest of the request acts as the account that signed in,
    so that `user { enterprise { id uscc name } }` reads without a second request."""
    if result is not None:
        ctx(info).principal = service.principal_of(result.user)
    return AuthPayload.of(result, errors=errors)
