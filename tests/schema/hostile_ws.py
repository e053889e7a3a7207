"""The hostile websocket messages, and a small graphql-transport-ws client to send them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from .conftest import HostileTarget, LiveServer

TRANSPORT_WS = "graphql-transport-ws"


def ws_connect(server: LiveServer, *protocols: str) -> ClientConnection:
    offered = [Subprotocol(p) for p in (protocols or (TRANSPORT_WS,))]
    return connect(server.ws_url, subprotocols=offered, open_timeout=5, close_timeout=2)


def send(ws: ClientConnection, message: object) -> None:
    ws.send(message if isinstance(message, str | bytes) else json.dumps(message))


def receive(ws: ClientConnection, timeout: float = 3) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=timeout))
    assert isinstance(message, dict)
    return message


def init(ws: ClientConnection) -> None:
    send(ws, {"type": "connection_init", "payload": {}})
    assert receive(ws)["type"] == "connection_ack"


def close_code(ws: ClientConnection, timeout: float = 3) -> tuple[int, str]:
    """Read until the server closes; the close code and reason."""
    closed: ConnectionClosed | None = None
    try:
        while True:
            ws.recv(timeout=timeout)
    except ConnectionClosed as exc:
        closed = exc
    except TimeoutError:
        pytest.fail("the server did not close the connection")
    assert closed is not None
    assert closed.rcvd is not None, "closed without a close frame"
    return closed.rcvd.code, closed.rcvd.reason


def subscribe(op_id: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return {"type": "subscribe", "id": op_id, "payload": payload}


@dataclass(frozen=True)
class WsAttack:
    """Messages sent (after connection_init when `init`); the close code expected."""

    name: str
    messages: Callable[[HostileTarget], list[object]]
    close: int
    init: bool = True


def streaming(target: HostileTarget) -> str:
    """The target's long-running subscription (skips the test when it has none)."""
    if target.subscription is None:
        pytest.skip("the target has no subscription")
    return target.subscription


def ws_attack(name: str, close: int, *messages: object, init: bool = True) -> WsAttack:
    return WsAttack(name, lambda _t: list(messages), close, init)


WS_ATTACKS = [
    ws_attack("unknown message type", 4400, {"type": "hello"}),
    ws_attack("message without type", 4400, {"id": "1"}),
    ws_attack("non-JSON text", 4400, "not json"),
    ws_attack("JSON array message", 4400, [1, 2]),
    ws_attack("JSON number message", 4400, 5),
    ws_attack("binary frame", 4400, b"\x00\x01"),
    ws_attack("subscribe payload a string", 4400, {"type": "subscribe", "id": "1", "payload": "x"}),
    ws_attack("subscribe id a list", 4400, {"type": "subscribe", "id": [1], "payload": {"query": "{ a }"}}),
    ws_attack("subscribe query a number", 4400, {"type": "subscribe", "id": "1", "payload": {"query": 5}}),
    ws_attack("subscribe variables a list", 4400, {"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "variables": [1]}}),
    ws_attack("complete id an object", 4400, {"type": "complete", "id": {}}),
    ws_attack("subscribe before init", 4401, subscribe("1", "{ __typename }"), init=False),
    ws_attack("second connection_init", 4429, {"type": "connection_init"}),
    ws_attack("connection_init payload a list", 4400, {"type": "connection_init", "payload": [1]}, init=False),
    ws_attack("oversized message", 1009, subscribe("1", "{ __typename }", {"x": "x" * 300_000})),
    WsAttack(
        "duplicate operation id",
        lambda t: [subscribe("same", streaming(t)), subscribe("same", streaming(t))],
        4409,
    ),
]  # fmt: skip
