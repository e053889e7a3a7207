"""Sessions over the wire: refresh rotation, logout, the enrolment-only token, and websockets
that stop speaking for a token once it expired or its session ended."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app import create_app
from config import settings
from db.models import AuditEntry, Role, User
from domain.accounts import service, sessions
from domain.accounts.standing import principal_of, session_cache
from domain.accounts.tokens import issue_token
from domain.world.importer import import_world_dir
from schema.session_guard import CLOSE_UNAUTHORISED
from tests.factories import tiny_world, write_world

PASSWORD = "correct horse battery"
LOGIN = """mutation($email: String!, $password: String!, $otp: String) {
  login(email: $email, password: $password, otp: $otp) {
    token refreshToken expiresAt enrolmentOnly errors { code field message } } }"""
REFRESH = """mutation($token: String!) { refreshToken(token: $token) {
  token refreshToken errors { code message } } }"""
WHO = "{ me { email } enterprises { totalCount } }"


@dataclass
class Served:
    http: httpx.AsyncClient
    ws_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def served(db: str, data_dir: Path, tmp_path: Path) -> AsyncIterator[Served]:
    """The application served by uvicorn in this event loop, over the test's database."""
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await service.create_staff_user(email="admin@bank.cn", password=PASSWORD, role=Role.ADMIN)
    await service.create_staff_user(
        email="officer@bank.cn", password=PASSWORD, role=Role.LOAN_OFFICER
    )
    session_cache.clear()
    port = _free_port()
    config = uvicorn.Config(
        create_app(init_database=False, background=False),
        host="127.0.0.1", port=port, lifespan="off", log_level="warning",
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # up to 10 s
        if server.started:
            break
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        yield Served(http=http, ws_url=f"ws://127.0.0.1:{port}/graphql")
    server.should_exit = True
    await task


async def _gql(
    served: Served, query: str, bearer: str | None = None, **variables: Any
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    resp = await served.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = resp.json()
    return body


async def _login(served: Served, email: str, otp: str | None = None) -> dict[str, Any]:
    body = await _gql(served, LOGIN, email=email, password=PASSWORD, otp=otp)
    result: dict[str, Any] = body["data"]["login"]
    return result


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_login_gives_a_short_token_and_a_refresh_token(served: Served) -> None:
    login = await _login(served, "admin@bank.cn")

    assert login["errors"] == [] and login["token"] and login["refreshToken"]
    assert not login["enrolmentOnly"]
    ttl = settings().jwt_ttl_seconds
    assert ttl <= 900
    who = await _gql(served, WHO, login["token"])
    assert who["data"]["me"] == {"email": "admin@bank.cn"}


async def test_a_refresh_token_rotates_and_its_reuse_ends_the_session(served: Served) -> None:
    login = await _login(served, "admin@bank.cn")

    first = (await _gql(served, REFRESH, token=login["refreshToken"]))["data"]["refreshToken"]
    assert first["errors"] == [] and first["refreshToken"] != login["refreshToken"]
    assert (await _gql(served, WHO, first["token"]))["data"]["me"] is not None

    # the old refresh token again: someone copied it; the whole session ends
    reuse = (await _gql(served, REFRESH, token=login["refreshToken"]))["data"]["refreshToken"]
    assert [e["code"] for e in reuse["errors"]] == ["FORBIDDEN"]
    after = await _gql(served, WHO, first["token"])
    assert after["data"] is None or after["data"]["me"] is None
    later = (await _gql(served, REFRESH, token=first["refreshToken"]))["data"]["refreshToken"]
    assert later["token"] is None and later["errors"]
    assert await AuditEntry.filter(action="session_revoked").count() == 1


async def test_logout_ends_the_token_at_once(served: Served) -> None:
    login = await _login(served, "admin@bank.cn")
    assert (await _gql(served, WHO, login["token"]))["data"]["enterprises"]["totalCount"] == 3

    out = await _gql(served, "mutation { logout { ok errors { code } } }", login["token"])

    assert out["data"]["logout"] == {"ok": True, "errors": []}
    after = await _gql(served, WHO, login["token"])
    assert "UNAUTHENTICATED" in _codes(after)
    refresh = (await _gql(served, REFRESH, token=login["refreshToken"]))["data"]["refreshToken"]
    assert refresh["token"] is None


async def test_ending_all_sessions_stops_tokens_issued_before(served: Served) -> None:
    login = await _login(served, "admin@bank.cn")
    user = await User.get(email="admin@bank.cn")

    await sessions.end_all_sessions(user_id=user.id, reason="role changed", actor="cli")

    assert "UNAUTHENTICATED" in _codes(await _gql(served, WHO, login["token"]))
    again = await _login(served, "admin@bank.cn")
    assert (await _gql(served, WHO, again["token"]))["data"]["me"] is not None


async def test_money_staff_enrol_a_second_factor_then_log_in_with_it(served: Served) -> None:
    first = await _login(served, "officer@bank.cn")
    assert first["enrolmentOnly"] and first["refreshToken"] is None
    assert [(e["code"], e["field"]) for e in first["errors"]] == [("INVALID_STATE", "otp")]
    limited = first["token"]
    assert "UNAUTHENTICATED" in _codes(await _gql(served, WHO, limited))
    me = await _gql(served, "{ me { email } }", limited)
    assert me["data"]["me"] == {"email": "officer@bank.cn"}

    enrol = await _gql(served, "mutation { enrollTotp { uri secret errors { code } } }", limited)
    enrolment = enrol["data"]["enrollTotp"]
    assert enrolment["uri"].startswith("otpauth://totp/") and enrolment["errors"] == []
    app = pyotp.TOTP(enrolment["secret"])
    confirm = await _gql(
        served,
        "mutation($code: String!) { confirmTotp(code: $code) { token refreshToken errors { code } } }",
        limited,
        code=app.now(),
    )
    full = confirm["data"]["confirmTotp"]
    assert full["errors"] == [] and full["refreshToken"]
    assert (await _gql(served, WHO, full["token"]))["data"]["enterprises"]["totalCount"] == 3
    assert "UNAUTHENTICATED" in _codes(
        await _gql(served, "{ enterprises { totalCount } }", limited)
    )

    without = await _login(served, "officer@bank.cn")
    assert [e["field"] for e in without["errors"]] == ["otp"] and without["token"] is None
    with_code = await _login(served, "officer@bank.cn", otp=app.at(time.time() + 30))
    assert with_code["errors"] == [] and with_code["token"]


# ---- websockets ---------------------------------------------------------------------------


async def _ws(served: Served, token: str) -> ClientConnection:
    ws = await connect(served.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack"
    return ws


async def _ping(ws: ClientConnection) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "ping"}))
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return message


async def _closed_with(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await _ping(ws)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_a_leaked_token_stops_on_an_open_websocket_after_logout(served: Served) -> None:
    login = await _login(served, "admin@bank.cn")
    ws = await _ws(served, login["token"])  # the thief's socket
    assert (await _ping(ws))["type"] == "pong"

    await _gql(served, "mutation { logout { ok } }", login["token"])  # the owner logs out

    assert await _closed_with(ws) == CLOSE_UNAUTHORISED


async def test_a_websocket_closes_when_its_token_expires(served: Served) -> None:
    user = await User.get(email="admin@bank.cn")
    s = settings()
    token = issue_token(
        principal_of(user), secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience,
        ttl_seconds=2,
    )  # fmt: skip
    ws = await _ws(served, token)
    assert (await _ping(ws))["type"] == "pong"

    await asyncio.sleep(2.1)

    assert await _closed_with(ws) == CLOSE_UNAUTHORISED


async def test_a_subscription_stops_when_the_session_is_revoked(served: Served) -> None:
    login = await _login(served, "admin@bank.cn")
    ws = await _ws(served, login["token"])
    subscribe = {
        "id": "1", "type": "subscribe",
        "payload": {"query": "subscription { warnings { id } }"},
    }  # fmt: skip
    await ws.send(json.dumps(subscribe))
    user = await User.get(email="admin@bank.cn")

    await sessions.end_all_sessions(user_id=user.id, reason="lost device", actor="admin")

    assert await _closed_with(ws) == CLOSE_UNAUTHORISED


async def test_a_revoked_token_cannot_open_a_websocket(served: Served) -> None:
    login = await _login(served, "admin@bank.cn")
    await _gql(served, "mutation { logout { ok } }", login["token"])

    try:
        ws = await connect(served.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    except InvalidStatus:  # pragma: no cover - refused before the handshake
        return
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {login['token']}"}}
    await ws.send(json.dumps(init))
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
