"""JWT (HS256) issue and verification with every registered claim required."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from db.models import Role
from domain.accounts.principal import Principal

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not ours."""


def issue_token(
    principal: Principal, *, secret: str, issuer: str, audience: str, ttl_seconds: int
) -> str:
    """A signed token for the principal."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(principal.user_id),
        "email": principal.email,
        "role": principal.role.value,
        # the account's enterprise; whether it may act for it is read fresh per request
        "ent": principal.own_enterprise_id,
        "iat": now,
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
    except (ValueError, KeyError) as exc:
        raise InvalidToken("malformed claims") from exc
    return claims
