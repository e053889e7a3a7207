"""What each request costs the process: a token is verified once, and start-up's objects stay
out of the garbage collector's way while the application runs."""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest

import app
from config import settings
from db.models import Role
from domain.accounts.principal import Principal
from domain.accounts.tokens import InvalidToken, issue_token
from schema import session_guard as guard

STAFF = Principal(user_id=3, email="officer@bank.cn", role=Role.LOAN_OFFICER)


def _token(principal: Principal, ttl: int = 600) -> str:
    s = settings()
    return issue_token(
        principal, secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience,
        ttl_seconds=ttl,
    )  # fmt: skip


def test_a_token_is_verified_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    decode = guard.decode_token

    def counting(token: str, **kw: Any) -> dict[str, object]:
        calls.append(token)
        return decode(token, **kw)

    monkeypatch.setattr(guard, "decode_token", counting)
    guard.VERIFIED.clear()
    token = _token(STAFF)
    first = guard.principal_from_header(f"Bearer {token}", settings())
    again = guard.principal_from_header(f"bearer {token} ", settings())

    assert first == again
    assert first is not None and first.session is not None
    assert (first.user_id, first.role) == (STAFF.user_id, STAFF.role)
    assert calls == [token]


def test_a_changed_token_is_still_refused() -> None:
    guard.VERIFIED.clear()
    token = _token(STAFF)
    guard.principal_from_header(f"Bearer {token}", settings())
    head, signature = token.rsplit(".", 1)
    forged = f"{head}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}"

    with pytest.raises(InvalidToken):
        guard.principal_from_header(f"Bearer {forged}", settings())


def test_a_known_token_is_checked_again_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    decode = guard.decode_token

    def counting(token: str, **kw: Any) -> dict[str, object]:
        calls.append(token)
        return decode(token, **kw)

    monkeypatch.setattr(guard, "decode_token", counting)
    guard.VERIFIED.clear()
    token = _token(STAFF, ttl=60)
    guard.principal_from_header(f"Bearer {token}", settings())
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    guard.principal_from_header(f"Bearer {token}", settings())

    assert calls == [token, token]


async def test_start_up_objects_are_frozen_while_the_app_runs() -> None:
    sent: list[str] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        frozen_while_up.append(gc.get_freeze_count())
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    async def receive() -> dict[str, str]:
        return next(messages)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    frozen_while_up: list[int] = []
    await app.FrozenStartup(inner)({"type": "lifespan"}, receive, send)

    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert frozen_while_up[0] > 0
    assert gc.get_freeze_count() == 0
