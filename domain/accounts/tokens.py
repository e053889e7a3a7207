"""JWT (HS256) issue and verification with every registered claim required.

An access token carries its session (`sid`, the refresh-token family) so that logging out or
revoking the session ends it before it expires, and its scope (`scp`): `enrol` tokens only let
staff enrol a second factor.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import jwt

from db.models import Role
from domain.accounts.principal import Principal, Scope, SessionClaims

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "sid"]
SCOPES = frozenset({Scope.ALL, Scope.ENROL})


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not ours."""


def new_session_id() -> str:
    """A random session (refresh family) id."""
    return secrets.token_urlsafe(24)


def issue_token(
    principal: Principal,
    *,
    secret: str,
    issuer: str,
    audience: str,
    ttl_seconds: int,
    session_id: str | None = None,
    scope: str = Scope.ALL,
) -> str:
    """A signed token for the principal in a session (a new one when not given)."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(principal.user_id),
        "email": principal.email,
        "role": principal.role.value,
        # the account's enterprise; whether it may act for it is read fresh per request
        "ent": principal.own_enterprise_id,
        # a guarantor's institution (fixed for the account: its role never changes)
        "ins": principal.institution_id,
        "sid": session_id or new_session_id(),
        "scp": scope,
        # to the microsecond: a session ended at t refuses every token issued before t
        "iat": now.timestamp(),
        "exp": now + timedelta(seconds=ttl_seconds),
        "iss": issuer,
        "aud": audience,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(token: str, *, secret: str, issuer: str, audience: str) -> dict[str, object]:
    """The verified claims; raises InvalidToken on any defect (alg none, wrong key, expiry...)."""
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=issuer,
            audience=audience,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    try:
        Role(str(claims.get("role")))
        int(str(claims["sub"]))
        float(str(claims["iat"]))
    except (ValueError, KeyError) as exc:
        raise InvalidToken("malformed claims") from exc
    if not isinstance(claims["sid"], str) or claims.get("scp", Scope.ALL) not in SCOPES:
        raise InvalidToken("malformed claims")
    return claims


def session_of(claims: dict[str, object]) -> SessionClaims:
    """The session claims of verified claims."""
    return SessionClaims(
        session_id=str(claims["sid"]),
        issued_at=float(str(claims["iat"])),
        expires_at=float(str(claims["exp"])),
        scope=str(claims.get("scp", Scope.ALL)),
    )


__all__ = ["InvalidToken", "decode_token", "issue_token", "new_session_id", "session_of"]
