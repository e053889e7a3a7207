"""Sessions: short access tokens, rotated refresh tokens, logout and revocation.

A login starts a session (a refresh-token family). Its access tokens live minutes and carry
the session id; the refresh token is exchanged for a new pair, and the one presented is
marked replaced. A replaced token presented again was copied: the whole session is revoked
(the thief's and the owner's tokens alike). Logout revokes the caller's session;
`end_all_sessions` (a role change, a reset) refuses every token issued before it. Only
digests of refresh tokens are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from config import settings
from db.models import RefreshToken, RevokedSession, Role, User
from domain import audit
from domain.accounts.principal import MONEY_ROLES, Principal, Scope
from domain.accounts.standing import principal_of, session_cache
from domain.accounts.tokens import issue_token, new_session_id
from domain.accounts.totp import ENROL_FIRST, has_second_factor
from domain.errors import Forbidden, InvalidInput, InvalidState

INVALID_REFRESH = "this refresh token is not valid; log in again"


@dataclass(frozen=True)
class AuthResult:
    """An access token (until `expires_at`), the session's refresh token and the user."""

    token: str
    user: User
    expires_at: datetime
    refresh_token: str | None = None
    # a password-only login of staff that must enrol a second factor first
    enrolment_only: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_token(user: User, session_id: str, scope: str = Scope.ALL) -> tuple[str, datetime]:
    """A signed access token for the user in the session, and when it expires."""
    s = settings()
    token = issue_token(
        principal_of(user),
        secret=s.jwt_secret,
        issuer=s.jwt_issuer,
        audience=s.jwt_audience,
        ttl_seconds=s.jwt_ttl_seconds,
        session_id=session_id,
        scope=scope,
    )
    return token, datetime.now(UTC) + timedelta(seconds=s.jwt_ttl_seconds)


async def _new_refresh_token(
    user_id: int, family: str, conn: BaseDBAsyncClient | None = None
) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    await RefreshToken.create(
        user_id=user_id,
        family=family,
        token_hash=_digest(token),
        issued_at=now,
        expires_at=now + timedelta(seconds=settings().refresh_ttl_seconds),
        using_db=conn,
    )
    return token


async def start_session(user: User, *, conn: BaseDBAsyncClient | None = None) -> AuthResult:
    """A new session for the user: an access token and a refresh token."""
    family = new_session_id()
    refresh = await _new_refresh_token(user.id, family, conn)
    token, expires = access_token(user, family)
    return AuthResult(token=token, user=user, expires_at=expires, refresh_token=refresh)


def enrolment_session(user: User) -> AuthResult:
    """An access token good only for enrolling a second factor; no refresh token."""
    token, expires = access_token(user, new_session_id(), Scope.ENROL)
    return AuthResult(token=token, user=user, expires_at=expires, enrolment_only=True)


async def refresh_session(*, token: str) -> AuthResult:
    """Exchange a refresh token for a new access and refresh token of the same session.

    A token already exchanged revokes its session: one of its two holders is a thief."""
    found = await RefreshToken.get_or_none(token_hash=_digest(token.strip())) if token else None
    if found is None:
        raise InvalidInput(INVALID_REFRESH, field="token")
    now = datetime.now(UTC)
    if found.replaced_at is not None:
        await revoke_session(family=found.family, user_id=found.user_id, reason="refresh_reuse")
        raise Forbidden("this refresh token was already used; the session is ended")
    user = await User.get_or_none(id=found.user_id)
    ended = user is None or (
        user.sessions_valid_after is not None and found.issued_at <= user.sessions_valid_after
    )
    if found.revoked_at is not None or found.expires_at <= now or ended:
        raise InvalidInput(INVALID_REFRESH, field="token")
    if await RevokedSession.filter(family=found.family).exists():
        raise InvalidInput(INVALID_REFRESH, field="token")
    assert user is not None
    if Role(user.role) in MONEY_ROLES and not has_second_factor(user):
        # the role changed to one that moves money: the session must start with a code
        raise InvalidState(ENROL_FIRST, field="otp")
    async with in_transaction() as conn:
        # the one UPDATE that claims the token: of two requests racing with it, one wins
        claimed = (
            await RefreshToken.filter(id=found.id, replaced_at=None, revoked_at=None)
            .using_db(conn)
            .update(replaced_at=now)
        )
        if claimed:
            refresh = await _new_refresh_token(user.id, found.family, conn)
    if not claimed:
        await revoke_session(family=found.family, user_id=user.id, reason="refresh_reuse")
        raise Forbidden("this refresh token was already used; the session is ended")
    access, expires = access_token(user, found.family)
    return AuthResult(token=access, user=user, expires_at=expires, refresh_token=refresh)


async def revoke_session(*, family: str, user_id: int, reason: str, actor: str = "") -> None:
    """End a session now: its refresh tokens and access tokens stop working."""
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await (
            RefreshToken.filter(family=family, revoked_at=None)
            .using_db(conn)
            .update(revoked_at=now)
        )
        if not await RevokedSession.filter(family=family).using_db(conn).exists():
            await RevokedSession.create(
                family=family, user_id=user_id, revoked_at=now, reason=reason, using_db=conn
            )
        await audit.record(
            actor=actor or f"user:{user_id}",
            action="session_revoked",
            entity_type="user",
            entity_id=user_id,
            data={"session": family[:8], "reason": reason},
            connection=conn,
        )
    session_cache.forget(user_id)


async def logout(*, principal: Principal) -> None:
    """End the caller's session."""
    if principal.session is None:
        raise InvalidInput("this caller has no session to end")
    await revoke_session(
        family=principal.session.session_id,
        user_id=principal.user_id,
        reason="logout",
        actor=principal.email,
    )


async def end_all_sessions(*, user_id: int, reason: str, actor: str) -> None:
    """End every session of the user (a role change, a lost device): tokens issued before
    now are refused, refresh tokens revoked."""
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await User.filter(id=user_id).using_db(conn).update(sessions_valid_after=now)
        await (
            RefreshToken.filter(user_id=user_id, revoked_at=None)
            .using_db(conn)
            .update(revoked_at=now)
        )
        await audit.record(
            actor=actor,
            action="sessions_ended",
            entity_type="user",
            entity_id=user_id,
            data={"reason": reason},
            connection=conn,
        )
    session_cache.forget(user_id)


async def prune_sessions(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete refresh tokens and revocations that can no longer matter; the number deleted."""
    cutoff = datetime.now(UTC) - older_than
    tokens = await RefreshToken.filter(expires_at__lte=cutoff).delete()
    revoked = await RevokedSession.filter(revoked_at__lte=cutoff).delete()
    return tokens + revoked


__all__ = [
    "AuthResult",
    "access_token",
    "end_all_sessions",
    "enrolment_session",
    "logout",
    "prune_sessions",
    "refresh_session",
    "revoke_session",
    "start_session",
]
