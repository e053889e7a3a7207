"""Long-lived websockets: each operation and each subscription event has a context and
loaders of its own, so a socket shows fresh data and holds no memory between messages."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message
from strawberry.dataloader import DataLoader

from app import create_app
from config import settings
from db.models import Contract, LoanApplication
from domain.accounts.principal import Principal
from domain.accounts.standing import session_cache
from domain.accounts.tokens import issue_token
from domain.messaging.publisher import InProcessPublisher
from domain.messaging.topics import Topic
from resolvers.ids import encode_cursor, encode_id
from resolvers.loaders import Loaders
from schema.context import Context
from tests.schema.lean_world import LeanWorld, make_lean_world

PROTOCOL = "graphql-transport-ws"


class Socket:
    """A graphql-transport-ws client speaking ASGI to the app in this event loop."""

    def __init__(self, app: ASGIApp) -> None:
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        scope = {
            "type": "websocket", "path": "/graphql", "raw_path": b"/graphql",
            "query_string": b"", "root_path": "", "scheme": "ws", "http_version": "1.1",
            "headers": [(b"host", b"api"), (b"sec-websocket-protocol", PROTOCOL.encode())],
            "subprotocols": [PROTOCOL], "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip

        async def serve() -> None:
            await app(scope, self.inbox.get, self.outbox.put)

        self.task = asyncio.create_task(serve())

    async def open(self, token: str) -> None:
        """Connect and authenticate."""
        await self.inbox.put({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(self.outbox.get(), 5)
        assert accepted["type"] == "websocket.accept", accepted
        await self.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        assert (await self.receive())["type"] == "connection_ack"

    async def send(self, message: dict[str, Any]) -> None:
        """One client message."""
        await self.inbox.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self) -> dict[str, Any]:
        """The next server message."""
        sent = await asyncio.wait_for(self.outbox.get(), 5)
        assert sent["type"] == "websocket.send", sent
        message: dict[str, Any] = json.loads(sent["text"])
        return message

    async def query(self, op_id: str, query: str, **variables: Any) -> dict[str, Any]:
        """Run a query on the socket: its `next` payload (its `complete` consumed)."""
        await self.send({"id": op_id, "type": "subscribe",
                         "payload": {"query": query, "variables": variables}})  # fmt: skip
        answer = await self.receive()
        assert answer["type"] == "next", answer
        assert (await self.receive())["type"] == "complete"
        payload: dict[str, Any] = answer["payload"]
        return payload

    async def close(self) -> None:
        """Disconnect and let the app finish."""
        await self.inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 5)


def _token(principal: Principal) -> str:
    s = settings()
    return issue_token(
        principal, secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience,
        ttl_seconds=600,
    )  # fmt: skip


@pytest.fixture
async def world(db: str, tmp_path: Path) -> LeanWorld:
    world = await make_lean_world(tmp_path / "w")
    session_cache.clear()
    return world


@pytest.fixture
async def socket(world: LeanWorld, hub: InProcessPublisher) -> AsyncIterator[Socket]:
    ws = Socket(create_app(init_database=False, background=False))
    await ws.open(_token(world.applicant))
    yield ws
    await ws.close()


UPDATED = """subscription($id: ID!) { applicationUpdated(id: $id) {
  status contract { status } } }"""


async def test_application_updated_shows_the_contract_as_it_is_now(
    world: LeanWorld, socket: Socket, hub: InProcessPublisher
) -> None:
    application = await LoanApplication.get(enterprise_id=world.a, status="DISBURSED")
    await socket.send({"id": "u", "type": "subscribe", "payload": {
        "query": UPDATED, "variables": {"id": encode_id("LoanApplication", application.id)}}})  # fmt: skip
    first = await socket.receive()

    await Contract.filter(application_id=application.id).update(status="SIGNED")
    await LoanApplication.filter(id=application.id).update(version=application.version + 1)
    await hub.publish(
        Topic.APPLICATION_UPDATED,
        {"application_id": application.id, "version": application.version + 1},
    )
    second = await socket.receive()

    assert first["payload"]["data"]["applicationUpdated"]["contract"] == {"status": "GENERATED"}
    assert second["payload"]["data"]["applicationUpdated"]["contract"] == {"status": "SIGNED"}


async def test_each_operation_on_a_socket_reads_afresh(world: LeanWorld, socket: Socket) -> None:
    query = "query($id: ID!) { enterprise(id: $id) { warnings { totalCount } } }"
    eid = encode_id("Enterprise", world.a)

    before = await socket.query("1", query, id=eid)
    application = await LoanApplication.filter(enterprise_id=world.a).first()
    assert application is not None
    from db.models import RiskWarning

    await RiskWarning.create(
        enterprise_id=world.a, level="YELLOW", kind="tax_rating_drop", message="x",
        status="OPEN", open_key=f"{world.a}|fresh|",
    )  # fmt: skip
    after = await socket.query("2", query, id=eid)

    assert after["data"]["enterprise"]["warnings"]["totalCount"] == (
        before["data"]["enterprise"]["warnings"]["totalCount"] + 1
    )


# each operation is three messages on the socket: subscribe, next, complete
OPERATIONS = 3_400
WARM_UP = 200
PAGE = """query($id: ID!, $n: Int, $after: String) { enterprise(id: $id) {
  warnings(first: $n, after: $after) { totalCount edges { cursor } } } }"""


def _held() -> tuple[int, int, int]:
    """(allocated blocks, objects tracked by the collector, contexts and loaders alive)."""
    gc.collect()
    objects = gc.get_objects()
    kept = sum(1 for o in objects if isinstance(o, Context | Loaders | DataLoader))
    return sys.getallocatedblocks(), len(objects), kept


@pytest.mark.slow
async def test_memory_stays_flat_over_ten_thousand_messages_on_one_socket(
    world: LeanWorld, socket: Socket
) -> None:
    eid = encode_id("Enterprise", world.a)

    async def operation(n: int) -> None:
        # every operation asks with arguments never seen before on this socket
        answer = await socket.query(
            str(n), PAGE, id=eid, n=1 + n % 50, after=encode_cursor(1_000_000 + n)
        )
        assert "errors" not in answer, answer

    for n in range(WARM_UP):
        await operation(n)
    blocks, objects, kept = _held()
    for n in range(WARM_UP, OPERATIONS):
        await operation(n)
    blocks_after, objects_after, kept_after = _held()

    # one object or block kept per operation would already be 3,200
    assert kept_after <= kept
    assert objects_after - objects < 1_000, objects_after - objects
    assert blocks_after - blocks < 2_000, blocks_after - blocks
