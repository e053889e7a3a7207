"""A small schema and a live server for the limit and hostile-request tests.

`build_test_app()` returns the target the hostile suite attacks; to attack another app,
override the `hostile_target` fixture with a `HostileTarget` built around it (its
documents must then use that schema's fields).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket

from schema.http import make_graphql_app
from schema.limits import GraphQLHardening, LimitConfig, build_extensions_and_rules


@strawberry.enum(description="A colour.")
class Color(Enum):
    RED = "RED"
    GREEN = "GREEN"


@strawberry.type(description="A node of an endless tree.")
class Node:
    id: int = strawberry.field(description="Identifier.")
    name: str = strawberry.field(description="Name.")

    @strawberry.field(description="Child nodes.")
    def children(self, first: int | None = 20) -> list[Node]:
        n = 20 if first is None else max(0, min(first, 100))
        return [Node(id=self.id * 100 + i, name=f"n{i}") for i in range(n)]

    @strawberry.field(description="Child nodes as a connection.")
    def kids(self, first: int | None = 20, after: str | None = None) -> NodeConnection:
        return node_connection(self.id, first)


@strawberry.type(description="An edge.")
class NodeEdge:
    cursor: str = strawberry.field(description="Cursor.")
    node: Node = strawberry.field(description="The node.")


@strawberry.type(description="A page of nodes.")
class NodeConnection:
    edges: list[NodeEdge] = strawberry.field(description="Edges.")
    total_count: int = strawberry.field(description="How many in all.")


def node_connection(parent: int, first: int | None) -> NodeConnection:
    """A page of `first` (at most 100) child nodes."""
    n = 20 if first is None else max(0, min(first, 100))
    nodes = [Node(id=parent * 100 + i, name=f"n{i}") for i in range(n)]
    return NodeConnection(edges=[NodeEdge(cursor=str(x.id), node=x) for x in nodes], total_count=n)


@dataclass
class Calls:
    """Counts of side effects, to prove refused mutations never ran."""

    mutations: int = 0


CALLS = Calls()


@strawberry.type(description="Reads.")
class Query:
    @strawberry.field(description="A greeting.")
    def hello(self) -> str:
        return "world"

    @strawberry.field(description="One node.")
    def node(self, id: int) -> Node:
        return Node(id=id, name=f"node{id}")

    @strawberry.field(description="Root nodes as a connection.")
    def nodes(self, first: int | None = 20, after: str | None = None) -> NodeConnection:
        return node_connection(1, first)

    @strawberry.field(description="Rows for the benchmark: `n` nodes.")
    def rows(self, n: int = 100) -> list[Node]:
        return [Node(id=i, name=f"row{i}") for i in range(max(0, min(n, 1000)))]

    @strawberry.field(description="The sum of the values.")
    def sum(self, values: list[int]) -> int:
        return sum(values)

    @strawberry.field(description="Echoes a colour.")
    def color(self, c: Color) -> Color:
        return c

    @strawberry.field(description="Fails unexpectedly.")
    def boom(self) -> str:
        raise RuntimeError("secret detail: connection to db at 10.0.0.1 failed")

    @strawberry.field(description="Fails with a permission error.")
    def forbidden(self) -> str:
        from graphql import GraphQLError

        raise GraphQLError("not allowed", extensions={"code": "FORBIDDEN"})

    @strawberry.field(description="How many mutations ran.")
    def mutation_count(self) -> int:
        return CALLS.mutations


@strawberry.type(description="Writes.")
class Mutation:
    @strawberry.mutation(description="Counts a call.")
    def ping(self, n: int = 1) -> int:
        CALLS.mutations += 1
        return n


@strawberry.type(description="Streams.")
class Subscription:
    @strawberry.subscription(description="`n` ticks, 50 ms apart (forever when n < 0).")
    async def ticks(self, n: int = -1) -> AsyncGenerator[int, None]:
        i = 0
        while n < 0 or i < n:
            yield i
            i += 1
            await asyncio.sleep(0.05)

    @strawberry.subscription(description="Nodes, one at a time.")
    async def node_stream(self, first: int | None = 20) -> AsyncGenerator[Node, None]:
        for x in range(3):
            yield Node(id=x, name=f"s{x}")
            await asyncio.sleep(0.05)


TEST_LIMITS = LimitConfig(connection_init_timeout_s=1.0)


def build_test_schema(hardening: GraphQLHardening) -> strawberry.Schema:
    """The test schema with the hardening installed."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=list(hardening.extensions),
        config=hardening.config,
    )


def nested(field: str, levels: int, leaf: str = "name") -> str:
    """`field { field { ... leaf } }` nested `levels` deep."""
    return f"{field} {{ " * levels + leaf + " }" * levels


@dataclass(frozen=True)
class HostileTarget:
    """An app to attack and the schema-specific documents the attacks need."""

    app: ASGIApp
    limits: LimitConfig
    # a cheap query that must succeed
    query: str
    # a valid mutation, which must never run over GET
    mutation: str
    # a valid query nesting fields exactly `n` levels deep (n >= 2)
    deep: Callable[[int], str]
    # valid queries whose cost exceeds the limit: literal `first`s, then variables
    cost_bomb: str
    cost_bomb_variables: tuple[str, dict[str, Any]]
    # a query on a misspelt field, and a query/variables with a misspelt enum value
    misspelt_field: str
    misspelt_enum: tuple[str, dict[str, Any]]
    # a valid subscription that keeps streaming (None: the schema has none)
    subscription: str | None = None
    # a field whose resolver fails unexpectedly (None: the schema has none)
    failing_field: str | None = None
    # a query returning how many mutations ran (None: not observable)
    mutation_count: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def build_test_app(*, production: bool = True, limits: LimitConfig = TEST_LIMITS) -> HostileTarget:
    """The small schema behind the hardened app, as the application mounts it."""
    hardening = build_extensions_and_rules(production=production, limits=limits)
    schema = build_test_schema(hardening)

    async def context_getter(request: Request | WebSocket) -> dict[str, Any]:
        return {"request": request}

    graphql = make_graphql_app(
        schema, production=production, limits=limits, context_getter=context_getter
    )
    app = Starlette(routes=[Route("/graphql", graphql), WebSocketRoute("/graphql", graphql)])
    return HostileTarget(
        app=app,
        limits=limits,
        query="{ hello }",
        mutation="mutation { ping(n: 1) }",
        subscription="subscription { ticks }",
        deep=lambda n: "{ node(id: 1) { " + nested("children(first: 1)", n - 2) + " } }",
        cost_bomb="{ node(id: 1) { children(first: 1000) { children(first: 1000) { name } } } }",
        cost_bomb_variables=(
            "query Bomb($n: Int) { nodes(first: $n) { edges { node {"
            " kids(first: $n) { edges { node { name } } } } } } }",
            {"n": 1000},
        ),
        misspelt_field="{ helo }",
        misspelt_enum=("query Color($c: Color!) { color(c: $c) }", {"c": "GREN"}),
        failing_field="{ boom }",
        mutation_count="{ mutationCount }",
    )


class CrashLog(logging.Handler):
    """Collects what the server logs as a crash (an exception escaping the app)."""

    LOGGERS = ("uvicorn.error", "strawberry.ws.task", "schema.limits.extension")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    base_url: str
    ws_url: str
    crashes: CrashLog
    target: HostileTarget


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def serve(app: ASGIApp) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Start uvicorn on a free loopback port; returns the server, its thread and port."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    # log_config=None: uvicorn must not reconfigure logging (and drop our crash handler)
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="websockets-sansio",
        ws_max_size=1024 * 1024,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread, port


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Ask uvicorn to exit and wait for its thread."""
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def hostile_target() -> HostileTarget:
    """What the hostile suite attacks: by default the small test schema in production mode."""
    return build_test_app()


@pytest.fixture(scope="module")
def live_server(hostile_target: HostileTarget) -> Iterator[LiveServer]:
    """The target served by uvicorn on a random loopback port for the module."""
    crashes = CrashLog()
    for name in CrashLog.LOGGERS:
        logging.getLogger(name).addHandler(crashes)
    server, thread, port = serve(hostile_target.app)
    try:
        yield LiveServer(
            base_url=f"http://127.0.0.1:{port}",
            ws_url=f"ws://127.0.0.1:{port}/graphql",
            crashes=crashes,
            target=hostile_target,
        )
    finally:
        stop(server, thread)
        for name in CrashLog.LOGGERS:
            logging.getLogger(name).removeHandler(crashes)


SchemaFactory = Callable[..., tuple[strawberry.Schema, GraphQLHardening]]


@pytest.fixture
def make_schema() -> SchemaFactory:
    """Builds the test schema with fresh hardening: make_schema(production=..., limits=...)."""

    def build(
        *, production: bool = True, limits: LimitConfig | None = None
    ) -> tuple[strawberry.Schema, GraphQLHardening]:
        hardening = build_extensions_and_rules(production=production, limits=limits)
        return build_test_schema(hardening), hardening

    return build
