"""A GraphQL subscription over websockets (graphql-transport-ws), as a browser client holds one.

Open it in a `with` block (the server has sent the connection ack when the block starts), act
over HTTP, then `feed.next(timeout_s=...)` returns the `data` of the next result pushed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from websockets.sync.client import ClientConnection, connect


class SubscriptionError(RuntimeError):
    """The server refused the subscription, ended it, or sent nothing in time."""


def pushed_data(
    message: dict[str, Any], send: Callable[[str], Any], error: type[Exception]
) -> dict[str, Any] | None:
    """One graphql-transport-ws message read by a client: a pushed result's `data`; None for
    anything else (a ping is answered with `send`); `error` raised on errors or the end."""
    kind = message.get("type")
    if kind == "ping":
        send(json.dumps({"type": "pong"}))
    elif kind == "next":
        if message["payload"].get("errors"):
            raise error(f"errors: {message['payload']['errors']}")
        data: dict[str, Any] = message["payload"]["data"]
        return data
    elif kind in ("error", "complete"):
        raise error(f"subscription ended: {message}")
    return None


class Subscription:
    """One subscription on its own websocket; open on entering the block, closed on leaving."""

    def __init__(self, url: str, token: str, query: str, variables: dict[str, Any]) -> None:
        self.url = url
        self.token = token
        self.query = query
        self.variables = variables
        self.socket: ClientConnection | None = None

    def __enter__(self) -> Subscription:
        socket = connect(self.url, subprotocols=["graphql-transport-ws"], open_timeout=30)  # type: ignore[list-item]
        self.socket = socket
        auth = {"authorization": f"Bearer {self.token}"}
        socket.send(json.dumps({"type": "connection_init", "payload": auth}))
        ack = json.loads(socket.recv(timeout=30))
        if ack.get("type") != "connection_ack":
            raise SubscriptionError(f"connection refused: {ack}")
        payload = {"query": self.query, "variables": self.variables}
        socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    def next(self, *, timeout_s: float) -> dict[str, Any]:
        """The `data` of the next pushed result; raises when none comes within the timeout."""
        assert self.socket is not None, "use the subscription in a with block"
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SubscriptionError(f"nothing pushed within {timeout_s:.0f} s")
            try:
                message = json.loads(self.socket.recv(timeout=left))
            except TimeoutError:
                raise SubscriptionError(f"nothing pushed within {timeout_s:.0f} s") from None
            data = pushed_data(message, self.socket.send, SubscriptionError)
            if data is not None:
                return data
