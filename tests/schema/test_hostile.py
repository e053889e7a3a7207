"""Hostile requests against a live server: every one refused cleanly, none a 5xx or a crash.

The target (app and schema-specific documents) is the `hostile_target` fixture; most
documents (in `hostile_http` and `hostile_ws`) use only `__typename`, `Query` and unknown
names, so they fit any schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from .conftest import HostileTarget, LiveServer
from .hostile_http import ATTACKS, INVALID, LIMIT, PARSE, Attack, aliases
from .hostile_ws import (
    WS_ATTACKS,
    WsAttack,
    close_code,
    init,
    receive,
    send,
    streaming,
    subscribe,
    ws_connect,
)


@pytest.fixture(autouse=True)
def no_crash(live_server: LiveServer) -> Iterator[None]:
    """Nothing the server logs as an escaped exception, during any test."""
    before = len(live_server.crashes.records)
    yield
    crashes = live_server.crashes.records[before:]
    assert not crashes, [r.getMessage() for r in crashes]


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        yield http


def test_the_suite_is_large_enough() -> None:
    assert len(ATTACKS) + len(WS_ATTACKS) >= 40
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("hostile", ATTACKS, ids=lambda a: a.name)
def test_hostile_http_request_is_refused(
    client: httpx.Client, hostile_target: HostileTarget, hostile: Attack
) -> None:
    response = client.request(url="/graphql", **hostile.build(hostile_target))
    assert response.status_code < 500, response.text[:500]
    assert response.status_code in hostile.status, response.text[:500]
    body = response.json()
    assert not body.get("data"), body
    errors = body["errors"]
    assert errors
    for error in errors:
        assert error["message"]
        assert error["extensions"]["code"] in hostile.codes, error
    for text in ("Traceback", 'File "', *hostile.absent):
        assert text not in response.text


def test_unexpected_failures_are_masked(
    client: httpx.Client, hostile_target: HostileTarget
) -> None:
    if hostile_target.failing_field is None:
        pytest.skip("the target has no failing field")
    response = client.post("/graphql", json={"query": hostile_target.failing_field})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret" not in response.text


def test_refused_mutations_never_ran(client: httpx.Client, hostile_target: HostileTarget) -> None:
    if hostile_target.mutation_count is None:
        pytest.skip("the target cannot count mutations")

    def count() -> int:
        response = client.post("/graphql", json={"query": hostile_target.mutation_count})
        return int(next(iter(response.json()["data"].values())))

    before = count()
    for _ in range(3):
        assert client.get("/graphql", params={"query": hostile_target.mutation}).status_code == 405
    assert count() == before
    assert client.post("/graphql", json={"query": hostile_target.mutation}).status_code == 200
    assert count() == before + 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_plain_queries_still_work(
    client: httpx.Client, hostile_target: HostileTarget, method: str
) -> None:
    if method == "GET":
        response = client.get("/graphql", params={"query": hostile_target.query})
    else:
        response = client.post("/graphql", json={"query": hostile_target.query})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert body["data"]


# ---- websockets -------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", WS_ATTACKS, ids=lambda a: a.name)
def test_hostile_websocket_message_closes_cleanly(
    live_server: LiveServer, hostile_target: HostileTarget, hostile: WsAttack
) -> None:
    with ws_connect(live_server) as ws:
        if hostile.init:
            init(ws)
        for message in hostile.messages(hostile_target):
            send(ws, message)
        code, reason = close_code(ws)
    assert code == hostile.close
    assert reason


@pytest.mark.parametrize(
    ("name", "pick", "code"),
    [
        ("depth bomb", lambda t: (t.deep(60), None), LIMIT),
        ("alias flood", lambda t: (aliases(100), None), LIMIT),
        ("introspection", lambda t: ("{ __schema { types { name } } }", None), INVALID),
        ("cost bomb with variables", lambda t: t.cost_bomb_variables, LIMIT),
        ("misspelt field", lambda t: (t.misspelt_field, None), INVALID),
        ("syntax error", lambda t: ("{ __typename", None), PARSE),
        ("token flood", lambda t: ("{ " + "__typename " * 3000 + "}", None), LIMIT),
        ("circular fragments", lambda t: ("{ ...A } fragment A on Query { ...A }", None), INVALID),
    ],
)
def test_hostile_websocket_operation_gets_coded_error(
    live_server: LiveServer,
    hostile_target: HostileTarget,
    name: str,
    pick: Callable[[HostileTarget], tuple[str, dict[str, Any] | None]],
    code: str,
) -> None:
    query, variables = pick(hostile_target)
    with ws_connect(live_server) as ws:
        init(ws)
        send(ws, subscribe("op", query, variables))
        message = receive(ws)
        assert message["id"] == "op"
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert {e["extensions"]["code"] for e in errors} == {code}
        assert "Did you mean" not in json.dumps(errors)
        # the connection survives a refused operation
        send(ws, {"type": "ping"})
        while (reply := receive(ws))["type"] != "pong":
            assert reply["type"] in ("complete", "next"), reply


@pytest.mark.parametrize(
    "protocols", [("graphql-ws",), ("chat",)], ids=["legacy graphql-ws", "other"]
)
def test_websocket_other_subprotocols_are_refused(
    live_server: LiveServer, protocols: tuple[str, ...]
) -> None:
    with ws_connect(live_server, *protocols) as ws:
        code, reason = close_code(ws)
    assert code == 4406
    assert "Subprotocol" in reason


def test_websocket_without_init_times_out(live_server: LiveServer) -> None:
    timeout = live_server.target.limits.connection_init_timeout_s
    with ws_connect(live_server) as ws:
        code, reason = close_code(ws, timeout=timeout + 3)
    assert (code, reason) == (4408, "Connection initialisation timeout")


def test_too_many_subscriptions_on_one_connection(
    live_server: LiveServer, hostile_target: HostileTarget
) -> None:
    limit = hostile_target.limits.max_subscriptions_per_connection
    subscription = streaming(hostile_target)
    with ws_connect(live_server) as ws:
        init(ws)
        for i in range(limit):
            send(ws, subscribe(f"s{i}", subscription))
        send(ws, subscribe("extra", subscription))
        refused: dict[str, Any] | None = None
        for _ in range(50 * limit):
            message = receive(ws)
            if message["id"] == "extra":
                refused = message
                break
            assert message["type"] == "next", message
        assert refused is not None
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == LIMIT
        # completing one frees a slot; the connection is still up
        send(ws, {"type": "complete", "id": "s0"})
        send(ws, subscribe("again", subscription))
        ids = {receive(ws)["id"] for _ in range(10 * limit)}
        assert "again" in ids


def test_subscription_is_served(live_server: LiveServer, hostile_target: HostileTarget) -> None:
    subscription = streaming(hostile_target)
    with ws_connect(live_server) as ws:
        init(ws)
        send(ws, subscribe("s", subscription))
        first = receive(ws)
        assert first["type"] == "next"
        assert first["payload"]["data"]
