"""The chaos run's websocket client: graphql-transport-ws, one subscription per socket."""

from __future__ import annotations

import json
from typing import Any

import websocket

from bench.ws import pushed_data


class Failed(RuntimeError):
    """A request failed (transport, status or GraphQL error) and may be retried."""


def open_socket(url: str, token: str, query: str, variables: dict[str, Any]) -> Any:
    """A graphql-transport-ws socket, acknowledged, with one subscription started."""
    ws = websocket.create_connection(url, subprotocols=["graphql-transport-ws"], timeout=10)
    ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(ws.recv())
    if ack.get("type") != "connection_ack":
        ws.close()
        raise Failed(f"connection refused: {ack}")
    ws.send(json.dumps({"id": "1", "type": "subscribe",
                        "payload": {"query": query, "variables": variables}}))  # fmt: skip
    return ws


def next_result(ws: Any, timeout_s: float) -> dict[str, Any] | None:
    """The data of the next pushed result; None on timeout; Failed when the stream ended."""
    ws.settimeout(timeout_s)
    while True:
        try:
            message = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            return None
        except (websocket.WebSocketException, OSError, ValueError) as exc:
            raise Failed(f"socket: {exc}") from exc
        data = pushed_data(message, ws.send, Failed)
        if data is not None:
            return data
