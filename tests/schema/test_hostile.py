"""Hostile requests against a live server: every one refused cleanly, none a 5xx or a crash.

The target (app and schema-specific documents) is the `hostile_target` fixture; most
documents below use only `__typename`, `Query` and unknown names, so they fit any schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from .conftest import HostileTarget, LiveServer

TRANSPORT_WS = "graphql-transport-ws"
LIMIT = "LIMIT_EXCEEDED"
INVALID = "GRAPHQL_VALIDATION_FAILED"
PARSE = "GRAPHQL_PARSE_FAILED"
BAD_REQUEST = "BAD_REQUEST"
BAD_INPUT = "BAD_USER_INPUT"


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


# ---- HTTP -------------------------------------------------------------------------------------

Build = Callable[[HostileTarget], dict[str, Any]]


@dataclass(frozen=True)
class Attack:
    """One hostile HTTP request and the refusals that are acceptable."""

    name: str
    build: Build
    status: frozenset[int]
    codes: frozenset[str]
    # text that must not appear in the answer
    absent: tuple[str, ...] = field(default=())


def attack(
    name: str, build: Build, status: int | set[int], *codes: str, absent: tuple[str, ...] = ()
) -> Attack:
    statuses = frozenset({status} if isinstance(status, int) else status)
    return Attack(name, build, statuses, frozenset(codes), absent)


def post(query: str, variables: dict[str, Any] | None = None, **body: Any) -> Build:
    payload: dict[str, Any] = {"query": query, **body}
    if variables is not None:
        payload["variables"] = variables
    return lambda _t: {"method": "POST", "json": payload}


def post_raw(content: bytes | str, content_type: str | None = "application/json") -> Build:
    headers = {"content-type": content_type} if content_type else {}
    return lambda _t: {"method": "POST", "content": content, "headers": headers}


def get(**params: str) -> Build:
    return lambda _t: {"method": "GET", "params": params}


def aliases(n: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(n)) + " }"


def fragment_chain(n: int) -> str:
    """`{ a { ...F1 } }` with F1 .. Fn each one level deeper (on an unknown type)."""
    parts = ["{ a { ...F1 } }"]
    for i in range(1, n + 1):
        inner = f"...F{i + 1}" if i < n else "z"
        parts.append(f"fragment F{i} on T {{ b{i} {{ {inner} }} }}")
    return " ".join(parts)


def fragment_doubling(n: int) -> str:
    """Each fragment spreads the next twice: 2**n aliases if expanded naively."""
    parts = ["{ ...F0 }"]
    for i in range(n):
        parts.append(f"fragment F{i} on Query {{ x{i}: __typename ...F{i + 1} ...F{i + 1} }}")
    parts.append(f"fragment F{n} on Query {{ __typename }}")
    return " ".join(parts)


def target_post(pick: Callable[[HostileTarget], str | tuple[str, dict[str, Any]] | None]) -> Build:
    def build(target: HostileTarget) -> dict[str, Any]:
        picked = pick(target)
        if picked is None:
            pytest.skip("the target has no such operation")
        query, variables = picked if isinstance(picked, tuple) else (picked, None)
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return {"method": "POST", "json": body}

    return build


def target_get(pick: Callable[[HostileTarget], str | None], **params: str) -> Build:
    def build(target: HostileTarget) -> dict[str, Any]:
        query = pick(target)
        if query is None:
            pytest.skip("the target has no such operation")
        return {"method": "GET", "params": {"query": query, **params}}

    return build


def chunked(size: int) -> Build:
    def body() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"x": "'
        for _ in range(size // 1024):
            yield b"x" * 1024
        yield b'"}}'

    return lambda _t: {
        "method": "POST",
        "content": body(),
        "headers": {"content-type": "application/json"},
    }


HUGE_VARIABLES = {"blob": "x" * 300_000}

ATTACKS = [
    # depth
    attack("depth one over", target_post(lambda t: t.deep(t.limits.max_depth + 1)), 200, LIMIT),
    attack("depth 200", target_post(lambda t: t.deep(200)), 200, LIMIT),
    attack("depth through a fragment chain", post(fragment_chain(14)), 200, LIMIT),
    attack("nesting the parser refuses", post("{ a " * 600 + "}" * 600), 200, LIMIT),
    # aliases
    attack("aliases one over", target_post(lambda t: aliases(t.limits.max_aliases + 1)), 200, LIMIT),
    attack("alias flood", post(aliases(600)), 200, LIMIT),
    attack(
        "aliases hidden in fragments",
        post(
            "{ ...F ...G } fragment F on Query { " + " ".join(f"f{i}: __typename" for i in range(8))
            + " } fragment G on Query { ...F " + " ".join(f"g{i}: __typename" for i in range(8)) + " }"
        ),
        200, LIMIT,
    ),
    attack("fragment doubling bomb", post(fragment_doubling(40)), 200, LIMIT),
    # fragments
    attack(
        "circular fragments",
        post("{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }"),
        200, INVALID,
    ),
    attack("self-spreading fragment", post("{ ...A } fragment A on Query { ...A }"), 200, INVALID),
    attack("unknown fragment", post("{ ...Nope }"), 200, INVALID),
    # size
    attack("token flood", post("{ " + "__typename " * 3000 + "}"), 200, LIMIT),
    attack("comment flood", post("#\n" * 5000 + "{ __typename }"), 200, LIMIT),
    attack("huge document", post("{ __typename }" + " " * 100_000), 200, LIMIT),
    attack("huge string literal", post('{ __typename(x: "' + "x" * 40_000 + '") }'), 200, INVALID),
    attack("huge integer literal", post("{ __typename(x: " + "9" * 5000 + ") }"), 200, INVALID),
    attack("oversized variables", post("{ __typename }", HUGE_VARIABLES), 413, LIMIT),
    attack("oversized chunked body", chunked(400_000), 413, LIMIT),
    # directives
    attack("directive flood", post("{ __typename" + " @include(if: true)" * 11 + " }"), 200, LIMIT),
    attack("unknown directive flood", post("{ __typename" + " @x" * 300 + " }"), 200, LIMIT),
    attack(
        "directives spread over the document",
        post("query Q @a @b @c @d { ...F @e @f } fragment F on Query @g @h { __typename @i @j @k }"),
        200, LIMIT,
    ),
    # cost
    attack("cost bomb with literal sizes", target_post(lambda t: t.cost_bomb), 200, LIMIT),
    attack("cost bomb with variable sizes", target_post(lambda t: t.cost_bomb_variables), 200, LIMIT),
    # batching
    attack("batch of two", post_raw(json.dumps([{"query": "{ __typename }"}] * 2)), 400, BAD_REQUEST),
    attack("batch of a thousand", post_raw(json.dumps([{"query": "{ a }"}] * 1000)), 400, BAD_REQUEST),
    # introspection and probing (production)
    attack("introspection __schema", post("{ __schema { types { name } } }"), 200, INVALID),
    attack("introspection __type", post('{ __type(name: "Query") { name } }'), 200, INVALID),
    attack("introspection in a fragment", post("{ ...I } fragment I on Query { __schema { queryType { name } } }"), 200, INVALID),
    attack("introspection under an alias", post("{ s: __schema { queryType { name } } }"), 200, INVALID),
    attack("introspection over GET", get(query="{ __schema { types { name } } }"), 200, INVALID),
    attack("field suggestion probing", target_post(lambda t: t.misspelt_field), 200, INVALID, absent=("Did you mean",)),
    attack("enum suggestion probing", target_post(lambda t: t.misspelt_enum), 200, BAD_INPUT, absent=("Did you mean",)),
    attack("type suggestion probing", post("query Q($x: Strin) { __typename }"), 200, INVALID, absent=("Did you mean",)),
    # methods and operation types
    attack("mutation over GET", target_get(lambda t: t.mutation), 405, BAD_REQUEST),
    attack(
        "mutation over GET picked by name",
        target_get(lambda t: "query Q { __typename } " + t.mutation.replace("mutation", "mutation M", 1), operationName="M"),
        405, BAD_REQUEST,
    ),
    attack("subscription over GET", target_get(lambda t: t.subscription), 400, BAD_REQUEST),
    attack("subscription over POST", target_post(lambda t: t.subscription), 400, BAD_REQUEST),
    attack("PUT", lambda _t: {"method": "PUT", "json": {"query": "{ __typename }"}}, 405, BAD_REQUEST),
    attack("DELETE", lambda _t: {"method": "DELETE"}, 405, BAD_REQUEST),
    # content types
    attack("url-encoded body", lambda _t: {"method": "POST", "data": {"query": "{ __typename }"}}, 415, BAD_REQUEST),
    attack("multipart body", lambda _t: {"method": "POST", "files": {"operations": ("o.json", b'{"query": "{ __typename }"}')}}, 415, BAD_REQUEST),
    attack("text/plain body", post_raw('{"query": "{ __typename }"}', "text/plain"), 415, BAD_REQUEST),
    attack("no content type", post_raw(b'{"query": "{ __typename }"}', None), 415, BAD_REQUEST),
    attack("application/graphql body", post_raw("{ __typename }", "application/graphql"), 415, BAD_REQUEST),
    # malformed bodies
    attack("invalid JSON", post_raw(b'{"query": '), 400, BAD_REQUEST),
    attack("JSON nested 100k deep", post_raw(b"[" * 100_000 + b"]" * 100_000), 400, BAD_REQUEST),
    attack("JSON number of 5000 digits", post_raw(b'{"query": "{ __typename }", "variables": {"n": ' + b"9" * 5000 + b"}}"), 400, BAD_REQUEST),
    attack("invalid UTF-8", post_raw(b'{"query": "\xff\xfe"}'), 400, BAD_REQUEST),
    attack("JSON string body", post_raw(b'"{ __typename }"'), 400, BAD_REQUEST),
    attack("JSON null body", post_raw(b"null"), 400, BAD_REQUEST),
    attack("empty body", post_raw(b""), 400, BAD_REQUEST),
    attack("empty object", post_raw(b"{}"), 400, BAD_REQUEST),
    attack("query not a string", post_raw(b'{"query": 5}'), 400, BAD_REQUEST),
    attack("variables a list", post_raw(b'{"query": "{ __typename }", "variables": [1]}'), 400, BAD_REQUEST),
    attack("operationName an object", post_raw(b'{"query": "{ __typename }", "operationName": {}}'), 400, BAD_REQUEST),
    attack("unknown operationName", post("query A { __typename }", operationName="B"), 400, BAD_REQUEST),
    attack("syntax error", post("{ __typename"), 200, PARSE),
    attack("NUL in the document", post("{ __typename \x00 }"), 200, PARSE),
    attack("GET token flood", get(query="{ " + "__typename " * 2500 + "}"), 200, LIMIT),
    attack("GET malformed variables", get(query="{ __typename }", variables="{nope"), 400, BAD_REQUEST),
    attack("GraphiQL page in production", lambda _t: {"method": "GET", "headers": {"accept": "text/html"}}, 404, BAD_REQUEST),
]  # fmt: skip


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
