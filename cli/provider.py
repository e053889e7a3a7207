"""`ipcredit provider serve`: a data platform over a world directory, speaking the HTTP contract.

What a bank's data platform would answer (docs/providers.md), served from a world directory, so
that the demo, the benchmarks and the tests go through the real HTTP path with `HttpProvider`
(`IPCREDIT_PROVIDER_URL=http://127.0.0.1:8100`).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cli.common import Subparsers, fail, note
from config import settings
from domain.providers.contract import PATHS, SOURCE_OF_PATH
from domain.providers.directory import DirectoryProvider

UNKNOWN = {"error": "unknown enterprise"}


def build_app(world: Path, *, token: str | None = None) -> ASGIApp:
    """The data platform over `world`; with `token`, requests must carry it as a bearer token."""
    provider = DirectoryProvider(world)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def enterprise(request: Request) -> Response:
        uscc = request.path_params["uscc"]
        record = await provider.lookup(uscc)
        if record is None:
            return JSONResponse(UNKNOWN, status_code=404)
        return JSONResponse({"enterprise": record})

    async def source(request: Request) -> Response:
        kind = SOURCE_OF_PATH.get(request.path_params["source"])
        if kind is None:
            return JSONResponse({"error": "unknown source"}, status_code=404)
        uscc = request.path_params["uscc"]
        rows = await provider.source_rows(uscc, kind)
        if rows is None:
            return JSONResponse(UNKNOWN, status_code=404)
        return JSONResponse({"uscc": uscc, "source": PATHS[kind], "rows": rows})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(provider.load)  # index before the first request, not during it
        yield

    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/v1/enterprises/{uscc}", enterprise),
            Route("/v1/{source}/{uscc}", source),
        ],
        lifespan=lifespan,
    )
    return app if token is None else _BearerToken(app, token)


class _BearerToken:
    """Refuses (401) a request without `Authorization: Bearer <token>`; /health stays open."""

    def __init__(self, app: ASGIApp, token: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/health":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                response = JSONResponse({"error": "unauthorised"}, status_code=401)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve a world directory as a data platform with uvicorn."""
    import uvicorn

    world = Path(args.world) if args.world else settings().data_dir / "world"
    if not (world / "enterprises.jsonl").is_file():
        return fail(f"{world}: not a world directory (no enterprises.jsonl)")
    note(f"data platform over {world} on http://{args.host}:{args.port}/v1/")
    uvicorn.run(
        build_app(world, token=args.token or settings().provider.token),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
    )
    return 0


def register(sub: Subparsers) -> None:
    """Add `provider serve`."""
    provider = sub.add_parser("provider", help="outside data: serve a world as a data platform")
    commands = provider.add_subparsers(dest="provider_command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="answer the data-platform HTTP contract (docs/providers.md) from a world"
    )
    serve.add_argument(
        "--world", help="world directory (default: the world in IPCREDIT_DATA_DIR)", default=None
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8100, help="port (default 8100)")
    serve.add_argument(
        "--token",
        default=None,
        help="require this bearer token (default: IPCREDIT_PROVIDER_TOKEN, if set)",
    )
    serve.set_defaults(func=cmd_serve)
