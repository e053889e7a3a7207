"""The hostile suite against the real application (production mode, a seeded database)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from schema.limits import LimitConfig

from .conftest import HostileTarget
from .test_hostile import (  # noqa: F401 - collected here against the real target
    client,
    no_crash,
    test_hostile_http_request_is_refused,
    test_hostile_websocket_message_closes_cleanly,
    test_hostile_websocket_operation_gets_coded_error,
    test_plain_queries_still_work,
    test_refused_mutations_never_ran,
    test_the_suite_is_large_enough,
    test_websocket_other_subprotocols_are_refused,
    test_websocket_without_init_times_out,
)

CYCLE = [
    ('enterprise(id: "RW50ZXJwcmlzZTox")', "name"),
    ("patents", "totalCount"),
    ("edges", "cursor"),
    ("node", "number"),
    ("owner", "name"),
]


def deep(n: int) -> str:
    """A valid query nesting fields exactly n levels deep, the leaf included."""
    path = [CYCLE[0]] + [CYCLE[1 + (i % 4)] for i in range(n - 2)]
    leaf = path[-1][1]
    return "{ " + " { ".join(f for f, _ in path) + " { " + leaf + " }" * (len(path)) + " }"


class LazyDb:
    """Opens the database on the server's own event loop, at the first request."""

    def __init__(self, app: Any, url: str):
        self.app = app
        self.url = url
        self.ready = False
        self.lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.ready:
            async with self.lock:
                if not self.ready:
                    from db.connection import init_db

                    await init_db(self.url)
                    self.ready = True
        await self.app(scope, receive, send)


def _seed(url: str, world: Path) -> None:
    async def go() -> None:
        from db.connection import close_db, init_db
        from domain.products.service import seed_products
        from domain.world.importer import import_world_dir
        from tests.factories import tiny_world, write_world

        await init_db(url)
        write_world(tiny_world(), world)
        await import_world_dir(world)
        await seed_products()
        await close_db()

    thread = threading.Thread(target=lambda: asyncio.run(go()))
    thread.start()
    thread.join()


@pytest.fixture(scope="module")
def hostile_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileTarget]:
    """The real app in production mode over a seeded SQLite file."""
    import config
    from app import create_app

    tmp = tmp_path_factory.mktemp("real")
    url = f"sqlite://{tmp / 'real.sqlite3'}"
    _seed(url, tmp / "world")
    mp = pytest.MonkeyPatch()
    mp.setenv("IPCREDIT_ENV", "production")
    mp.setenv("IPCREDIT_DATA_DIR", str(tmp / "data"))
    config.settings.cache_clear()
    try:
        app = LazyDb(create_app(init_database=False), url)
        yield HostileTarget(
            app=app,
            limits=LimitConfig(),
            query="{ loanProducts { code } }",
            mutation='mutation { login(email: "x@y.cn", password: "not the password") { token } }',
            deep=deep,
            cost_bomb=(
                "{ enterprises(first: 100) { edges { node { patents(first: 100) "
                "{ edges { node { number } } } } } } }"
            ),
            cost_bomb_variables=(
                "query Bomb($n: Int) { enterprises(first: $n) { edges { node { "
                "patents(first: $n) { edges { node { number } } } } } } }",
                {"n": 100},
            ),
            misspelt_field="{ loanProduct { code } }",
            misspelt_enum=(
                "query A($s: ApplicationStatus) { applications(status: $s) { totalCount } }",
                {"s": "SUBMITED"},
            ),
        )
    finally:
        mp.undo()
        config.settings.cache_clear()
