"""Who a request or a websocket speaks for, as long as its token and session stand.

- `principal_from_header`: the principal of a `Bearer` access token, verified once per token
  and remembered until it expires (`VERIFIED`).
- `current_principal`: that principal if its session still stands (not logged out, not
  revoked, the account unchanged; `fresh_principal`), split into a full principal or an
  enrolment-only one.
- `WebSocketSessionGuard`: an ASGI middleware that checks the token of an authenticated
  websocket before every message the server sends on it, and closes the socket with 4401
  instead once the token expired or its session ended: a subscription opened with a token
  stops with it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from config import Settings
from db.models import Role, VerificationStatus
from domain.accounts.principal import Principal
from domain.accounts.principal import Scope as TokenScope
from domain.accounts.standing import fresh_principal
from domain.accounts.tokens import InvalidToken, decode_token, session_of
from domain.accounts.verified import VerifiedTokens

log = logging.getLogger("ipcredit.http")
CLOSE_UNAUTHORISED = 4401
SCOPE_KEY = "ws_principal"

# tokens verified in this process, until each expires
VERIFIED = VerifiedTokens()


def principal_from_header(value: str | None, s: Settings) -> Principal | None:
    """The principal of a `Bearer` token; None when absent. Raises InvalidToken when bad."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("expected a Bearer token")
    token = token.strip()
    key = (token, s.jwt_secret, s.jwt_issuer, s.jwt_audience)
    known = VERIFIED.get(key)
    if known is not None:
        return known
    claims = decode_token(token, secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience)
    ent = claims.get("ent")
    user_id, email, role = (
        int(str(claims["sub"])),
        str(claims.get("email", "")),
        Role(str(claims["role"])),
    )
    enterprise_id = int(str(ent)) if ent is not None else None
    ins = claims.get("ins")
    institution_id = int(str(ins)) if ins is not None and role == Role.GUARANTOR else None
    session = session_of(claims)
    # an applicant acts for nothing until `fresh_principal` reads its verification
    principal = (
        Principal.applicant(
            user_id=user_id,
            email=email,
            enterprise_id=enterprise_id,
            verification=VerificationStatus.UNVERIFIED,
        )
        if role == Role.APPLICANT
        else Principal(
            user_id=user_id,
            email=email,
            role=role,
            enterprise_id=enterprise_id,
            institution_id=institution_id,
        )
    )
    principal = replace(principal, session=session)
    VERIFIED.put(key, principal, expires=session.expires_at)
    return principal


async def current_principal(
    header: str | None, s: Settings, *, max_age: float | None = None
) -> tuple[Principal | None, Principal | None]:
    """(full principal, enrolment-only principal) of a header whose session stands; both
    None when there is no valid token or its session ended."""
    try:
        principal = principal_from_header(header, s)
    except InvalidToken:
        return None, None
    if principal is None:
        return None, None
    standing = (
        await fresh_principal(principal)
        if max_age is None
        else await fresh_principal(principal, max_age=max_age)
    )
    if standing is None:
        return None, None
    if standing.session is not None and standing.session.scope == TokenScope.ENROL:
        return None, standing
    return standing, None


def watch_websocket(scope: Scope, principal: Principal | None) -> None:
    """Have the guard check this principal's session before each message of the socket."""
    state = scope.setdefault("state", {})
    state[SCOPE_KEY] = principal


class WebSocketSessionGuard:
    """Closes an authenticated websocket with 4401 once its token no longer stands; checked
    before every message the server sends (a fresh read of the session each time)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        closed = False

        async def guarded(message: Any) -> None:
            nonlocal closed
            if closed:
                return  # the socket is closing: nothing more goes out
            if message["type"] == "websocket.send" and not await _still_valid(scope):
                closed = True
                log.info("websocket closed: token expired or session ended")
                await send(
                    {
                        "type": "websocket.close",
                        "code": CLOSE_UNAUTHORISED,
                        "reason": "token expired or session ended",
                    }
                )
                return
            await send(message)

        await self.app(scope, receive, guarded)


async def _still_valid(scope: Scope) -> bool:
    principal: Principal | None = scope.get("state", {}).get(SCOPE_KEY)
    if principal is None:
        return True  # anonymous: the schema refuses what needs a caller
    session = principal.session
    if session is not None and session.expires_at <= time.time():
        return False
    return await fresh_principal(principal, max_age=0) is not None


__all__ = [
    "CLOSE_UNAUTHORISED",
    "VERIFIED",
    "WebSocketSessionGuard",
    "current_principal",
    "principal_from_header",
    "watch_websocket",
]
