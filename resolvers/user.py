"""Accounts: the caller, registration, login, sessions and the second factor."""

# no `from __future__ import annotations`: strawberry cannot resolve a lazy input type of a
# resolver argument from a string annotation
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from db import models as m
from domain.accounts import login as login_flow
from domain.accounts import service, sessions, totp
from domain.accounts.principal import Principal
from domain.accounts.service import AuthResult
from domain.errors import ErrorCode
from domain.providers.runtime import current_provider
from resolvers.context import ctx
from resolvers.errors import PayloadError, payload, unauthenticated

if TYPE_CHECKING:
    from schema.types.user import RegisterInput


@dataclass(frozen=True)
class AuthPayload:
    """What register, login, refreshToken or confirmTotp hand back: a session, or why not."""

    token: str | None = None
    refresh_token: str | None = None
    expires_at: datetime | None = None
    enrolment_only: bool = False
    user: m.User | None = None
    errors: list[PayloadError] = field(default_factory=list)

    @classmethod
    def of(
        cls, result: AuthResult | None = None, *, errors: list[PayloadError] | None = None
    ) -> "AuthPayload":
        """The outcome of a domain call's result, or of its errors; an enrolment-only token
        comes with the refusal that says what to do with it."""
        if result is None:
            return cls(errors=errors or [])
        refusal = (
            [
                PayloadError(
                    field="otp", message=login_flow.ENROL_NEEDED, code=ErrorCode.INVALID_STATE
                )
            ]
            if result.enrolment_only
            else []
        )
        return cls(
            token=result.token,
            refresh_token=result.refresh_token,
            expires_at=result.expires_at,
            enrolment_only=result.enrolment_only,
            user=result.user,
            errors=refusal,
        )


@dataclass(frozen=True)
class TotpEnrollmentPayload:
    """A new second factor's URI and secret (shown once), or why not."""

    uri: str | None = None
    secret: str | None = None
    errors: list[PayloadError] = field(default_factory=list)


@dataclass(frozen=True)
class LogoutPayload:
    """Whether the session ended."""

    ok: bool = False
    errors: list[PayloadError] = field(default_factory=list)


def _account(info: Info) -> Principal:
    """The caller, including staff holding an enrolment-only token; UNAUTHENTICATED else."""
    context = ctx(info)
    principal = context.principal or context.enrolling
    if principal is None:
        raise unauthenticated()
    return principal


async def me(info: Info) -> m.User | None:
    """The caller; None when anonymous."""
    context = ctx(info)
    principal = context.principal or context.enrolling
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


async def login(info: Info, email: str, password: str, otp: str | None = None) -> AuthPayload:
    """Exchange credentials (and a one-time code where the role needs one) for a session."""
    return await payload(
        lambda result=None, errors=None: _signed_in(info, result, errors),
        lambda: login_flow.login(email=email, password=password, otp=otp, client=_client(info)),
    )


async def refresh_token(info: Info, token: str) -> AuthPayload:
    """Exchange a refresh token for a new access token and refresh token."""
    return await payload(
        lambda result=None, errors=None: _signed_in(info, result, errors),
        lambda: sessions.refresh_session(token=token),
    )


async def logout(info: Info) -> LogoutPayload:
    """End the caller's session: its access and refresh tokens stop working at once."""
    principal = _account(info)
    return await payload(
        lambda result=None, errors=None: LogoutPayload(ok=errors is None, errors=errors or []),
        lambda: sessions.logout(principal=principal),
    )


async def enroll_totp(info: Info) -> TotpEnrollmentPayload:
    """Start enrolling a second factor: the URI and secret for an authenticator app."""
    principal = _account(info)
    return await payload(
        lambda result=None, errors=None: (
            TotpEnrollmentPayload(uri=result.uri, secret=result.secret)
            if result is not None
            else TotpEnrollmentPayload(errors=errors or [])
        ),
        lambda: totp.enroll_totp(principal=principal),
    )


async def confirm_totp(info: Info, code: str) -> AuthPayload:
    """Confirm the second factor with a code; the payload carries a full session."""
    principal = _account(info)
    return await payload(
        lambda result=None, errors=None: _signed_in(info, result, errors),
        lambda: login_flow.confirm_and_sign_in(principal=principal, code=code),
    )


def _client(info: Info) -> str | None:
    """The client's address as the server saw it (behind a proxy: what the proxy says,
    when uvicorn is told to trust it)."""
    request = ctx(info).request
    client = getattr(request, "client", None)
    return getattr(client, "host", None)


def _signed_in(
    info: Info, result: AuthResult | None, errors: list[PayloadError] | None
) -> AuthPayload:
    """The payload; on success the rest of the request acts as the account that signed in,
    so that `user { enterprise { id uscc name } }` reads without a second request."""
    if result is not None:
        caller = service.principal_of(result.user)
        if result.enrolment_only:
            ctx(info).enrolling = caller
        else:
            ctx(info).principal = caller
    return AuthPayload.of(result, errors=errors)
