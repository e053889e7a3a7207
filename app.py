"""The Starlette application: GraphQL over HTTP and websockets, health, metrics, contracts."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from prometheus_client import Gauge
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError

from config import settings
from db.connection import close_db, init_db
from domain.accounts.tokens import InvalidToken
from domain.context import set_request_id
from domain.demo import refuse_demo_accounts
from schema import build_schema
from schema.console_static import console_routes
from schema.context import Context
from schema.credit_exports import ROUTES as credit_export_routes
from schema.execution import FreshContextPerOperation
from schema.http import HardenedGraphQL, make_graphql_app
from schema.limits import LimitConfig, build_extensions_and_rules
from schema.observability import MetricsAccess
from schema.portfolio_csv import portfolio_csv_download
from schema.session_guard import (
    WebSocketSessionGuard,
    current_principal,
    principal_from_header,
    watch_websocket,
)

log = logging.getLogger("ipcredit.http")
# the staff console's build (`make run` builds it), served at /console
CONSOLE_DIST = Path(__file__).resolve().parent / "console" / "dist"
APP_POLL_SECONDS = 0.25
WORKER_THREADS = Gauge(
    "ipcredit_worker_threads", "Dramatiq worker threads running in this process (0: elsewhere)"
)


# expected lengths of unpaged lists, for the cost limit
LIST_SIZES = (
    ("Query.indicatorDefinitions", 700),
    ("Enterprise.indicators", 150),
    ("Loan.schedule", 60),
    ("ScheduleVersion.installments", 60),
    ("Enterprise.taxRecords", 10),
)


async def get_context(request: Request | WebSocket) -> Context:
    """The request context: the caller's principal (from a Bearer token whose session
    stands, an applicant's verification read fresh) and loaders."""
    header = request.headers.get("authorization") if isinstance(request, Request) else None
    principal, enrolling = await current_principal(header, settings())
    return Context(
        principal=principal,
        enrolling=enrolling,
        request=request,
        request_id=getattr(request.state, "request_id", None),
        idempotency_key=(
            request.headers.get("idempotency-key") if isinstance(request, Request) else None
        ),
    )


async def authenticate_ws(context: Context) -> dict[str, object] | None:
    """Authenticate a websocket from connection_init's {"authorization": "Bearer ..."}."""
    params = context.connection_params or {}
    header = params.get("authorization") or params.get("Authorization")
    value = header if isinstance(header, str) else None
    try:
        principal_from_header(value, settings())
    except InvalidToken:
        raise ConnectionRejectionError({"reason": "invalid token"}) from None
    principal, enrolling = await current_principal(value, settings(), max_age=0)
    if value and principal is None and enrolling is None:
        raise ConnectionRejectionError({"reason": "session ended"})
    context.principal = principal
    # every message sent on this socket re-checks the token's expiry and session
    watch_websocket(context.request.scope, principal)
    return None


class RequestLogMiddleware:
    """One JSON log line per request with its id, duration and status; sets the request id."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode()[:64]
        rid = set_request_id(incoming if incoming.isalnum() else uuid.uuid4().hex)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 0}

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log.info(
                "request",
                extra={
                    "path": scope.get("path"),
                    "method": scope.get("method", "WS"),
                    "status": status["code"],
                    "operation": scope["state"].get("operation"),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "request_id": rid,
                },
            )


class FrozenStartup:
    """Keeps what start-up built (modules, the schema, models) out of the garbage collector's
    sweeps once the application is up: a full collection over it takes tens of milliseconds,
    and every request that waits for one pays it. Released again at shutdown."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "lifespan.startup.complete":
                gc.collect()
                gc.freeze()
            elif message["type"].startswith("lifespan.shutdown."):
                gc.unfreeze()
            await send(message)

        await self.app(scope, receive, send_wrapper)


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process, for the token's holders and the allowed addresses."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    access: MetricsAccess = request.app.state.metrics_access
    client = request.client.host if request.client is not None else None
    if not access.permits(request.headers.get("authorization"), client):
        if access.token is not None:
            return JSONResponse(
                {"error": "a bearer token is required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return JSONResponse({"error": "not from this address"}, status_code=403)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def broker_reachable(url: str | None) -> bool:
    """The in-process broker always is; Redis or RabbitMQ when its port answers within 1 s."""
    if not url:
        return True
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    default = 6379 if parts.scheme.startswith("redis") else 5672
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or default), 1.0
        )
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


async def readyz(request: Request) -> Response:
    """Readiness: the database answers and the broker is reachable; where the app has a worker
    process, that process has loaded its models (the graph scored) and consumes."""
    from tortoise import connections

    checks = {"database": "ok", "broker": "ok"}
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = type(exc).__name__
    if not await broker_reachable(settings().broker_url):
        checks["broker"] = "unreachable"
    details: dict[str, Any] = {}
    workers = getattr(request.app.state, "workers", None)
    if workers is not None:
        checks["workers"] = "ok" if workers.ready else workers.state
        details = {"worker_process": workers.readiness(), "models": workers.report}
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks, **details},
        status_code=200 if ready else 503,
    )


async def timestamp_authority(request: Request) -> Response:
    """The platform's RFC 3161 time-stamping authority: a DER TimeStampReq in, a reply out."""
    from domain.contracts.platform import platform_ca
    from domain.contracts.tsa import CONTENT_TYPE_QUERY, CONTENT_TYPE_REPLY, MAX_QUERY_BYTES

    if request.headers.get("content-type", "").split(";")[0].strip() != CONTENT_TYPE_QUERY:
        return Response(f"expected {CONTENT_TYPE_QUERY}", status_code=415)
    body = await request.body()
    if len(body) > MAX_QUERY_BYTES:
        return Response("time-stamp query too large", status_code=413)
    ca = await asyncio.to_thread(platform_ca)
    reply = await asyncio.to_thread(ca.tsa.respond, body)
    return Response(reply, media_type=CONTENT_TYPE_REPLY)


async def platform_crl(request: Request) -> Response:
    """The platform CA's current certificate revocation list (DER)."""
    from domain.contracts.platform import platform_ca

    ca = await asyncio.to_thread(platform_ca)
    data = await asyncio.to_thread(ca.crl)
    return Response(
        data, media_type="application/pkix-crl", headers={"Cache-Control": "max-age=300"}
    )


async def contract_download(request: Request) -> Response:
    """The contract PDF, for the borrower's users and bank staff only."""
    from domain.errors import DomainError, ErrorCode
    from domain.lending.contract import contract_pdf
    from resolvers.ids import decode_id

    principal, _ = await current_principal(request.headers.get("authorization"), settings())
    if principal is None:
        return JSONResponse({"error": "authentication required"}, status_code=401)
    pk = decode_id(request.path_params["contract_id"], "Contract")
    if pk is None:
        return JSONResponse({"error": "no such contract"}, status_code=404)
    try:
        pdf = await contract_pdf(principal=principal, contract_id=pk)
    except DomainError as exc:
        status = {ErrorCode.NOT_FOUND: 404, ErrorCode.FORBIDDEN: 404}.get(exc.code, 400)
        return JSONResponse(
            {"error": exc.message if status != 404 else "no such contract"}, status_code=status
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="contract-{pk}.pdf"'},
    )


@contextlib.asynccontextmanager
async def background_work(app: Starlette, url: str, *, worker_process: bool) -> AsyncIterator[None]:
    """The outbox dispatcher; with no BROKER_URL also the worker threads and the scheduler.

    With `worker_process` (what `ipcredit serve` asks for) these run in a supervised worker
    process and this one keeps only the dispatcher of its own subscribers' notices; without it
    (or with an in-memory database) they run here.
    """
    from actors.runtime import Runtime
    from actors.supervisor import WorkerProcess, child_environment, runs_apart

    workers = (
        WorkerProcess(env=child_environment(url)) if worker_process and runs_apart(url) else None
    )
    # the worker process wakes this dispatcher after committing notices: polling is a fallback
    runtime = (
        Runtime(database_url=url, role="all")
        if workers is None
        else Runtime(database_url=url, role="app", poll_interval=APP_POLL_SECONDS)
    )
    app.state.workers = workers
    try:
        if workers is not None:
            await workers.start()
        await runtime.start()
        WORKER_THREADS.set(runtime.threads)
        yield
    finally:
        await runtime.stop()
        if workers is not None:
            await workers.stop()


def graphql_app(*, production: bool) -> HardenedGraphQL:
    """The served schema with its limits, over HTTP and websockets (a context per operation
    and per subscription event on a websocket)."""
    limits = LimitConfig(list_sizes=LIST_SIZES)
    hardening = build_extensions_and_rules(production=production, limits=limits)
    schema = build_schema(
        extensions=[*hardening.extensions, FreshContextPerOperation], config=hardening.config
    )
    return make_graphql_app(
        schema,
        production=production,
        limits=limits,
        context_getter=get_context,
        on_connect=authenticate_ws,
    )


def create_app(
    *,
    database_url: str | None = None,
    init_database: bool = True,
    background: bool = True,
    worker_process: bool = False,
) -> Starlette:
    """The ASGI application (the database is opened in the lifespan).

    `background` runs the outbox dispatcher (and in the embedded default the workers and the
    scheduler); `worker_process` moves those workers and the scheduler to a supervised child
    process, as `ipcredit serve` does.
    """
    s = settings()
    graphql = graphql_app(production=s.production)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = database_url or s.database_url
        if init_database:
            await init_db(url)
        try:
            if s.production:
                # demo accounts have printed or published passwords: never serve with them
                await refuse_demo_accounts()
            if background:
                async with background_work(app, url, worker_process=worker_process):
                    yield
            else:
                yield
        finally:
            if init_database:
                await close_db()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/contracts/{contract_id}.pdf", contract_download),
            Route("/portfolio.csv", portfolio_csv_download),
            *credit_export_routes,
            Route("/tsa", timestamp_authority, methods=["POST"]),
            Route("/crl/platform-ca.crl", platform_crl),
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            *console_routes(CONSOLE_DIST),
        ],
        lifespan=lifespan,
    )
    app.state.metrics_access = MetricsAccess.from_environ()
    app.add_middleware(WebSocketSessionGuard)
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(FrozenStartup)
    return app
