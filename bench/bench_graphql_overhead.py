"""Benchmark: the cost of GraphQL (hardened, production mode) over a plain JSON endpoint.

Run: .venv/bin/python bench/bench_graphql_overhead.py [--requests N] [--concurrency C]
Starts uvicorn in a subprocess serving a small schema through `make_graphql_app` with the
production extensions, and plain Starlette endpoints doing the same work; loads each over
loopback with an async httpx client (N requests, C at once, a hard time cap) and prints
req/s, p50/p99 latency and the server's CPU time per request, for a trivial query and for
100 rows of 5 scalar fields, then the ratios to the targets (trivial >= 20 % of plain
throughput; 100x5 within 15x of plain; <= 5 us per resolved scalar field).
Ratios use the server's CPU time per request: the client shares the machine and would
otherwise cap the fast plain endpoint.

`--app module:attr` also measures another app (an ASGI app or a factory taking no
arguments, e.g. `app:create_app`) with `--trivial-query` and `--list-query`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import strawberry

TRIVIAL_TARGET = 0.20
LIST_TARGET = 15.0
FIELD_TARGET_US = 5.0
ROWS = 100
FIELDS = 5
TRIVIAL_QUERY = "{ hello }"
LIST_QUERY = f"{{ rows(n: {ROWS}) {{ id name score active code }} }}"


# ---- the server side --------------------------------------------------------------------------


@strawberry.type(description="A row of five scalars.")
class Row:
    id: int = strawberry.field(description="Identifier.")
    name: str = strawberry.field(description="Name.")
    score: float = strawberry.field(description="Score.")
    active: bool = strawberry.field(description="Active.")
    code: str = strawberry.field(description="Code.")


def make_rows(n: int) -> list[Row]:
    """`n` rows, made as a resolver would fetch them."""
    return [
        Row(id=i, name=f"row{i}", score=i / 7, active=i % 2 == 0, code=f"C{i:04d}")
        for i in range(n)
    ]


@strawberry.type(description="Reads.")
class Query:
    @strawberry.field(description="A greeting.")
    def hello(self) -> str:
        return "world"

    @strawberry.field(description="`n` rows.")
    def rows(self, n: int = ROWS) -> list[Row]:
        return make_rows(max(0, min(n, 1000)))


def build_bench_app() -> Any:
    """Starlette with the hardened GraphQL app at /graphql and plain twins under /plain."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute

    from schema.http import make_graphql_app
    from schema.limits import LimitConfig, build_extensions_and_rules

    limits = LimitConfig()
    hardening = build_extensions_and_rules(production=True, limits=limits)
    schema = strawberry.Schema(
        query=Query, extensions=list(hardening.extensions), config=hardening.config
    )

    async def context_getter(request: Any) -> dict[str, Any]:
        return {"request": request}

    graphql = make_graphql_app(
        schema, production=True, limits=limits, context_getter=context_getter
    )

    async def plain_trivial(request: Request) -> JSONResponse:
        await request.json()  # parse the body, as GraphQL must
        return JSONResponse({"data": {"hello": "world"}})

    async def plain_rows(request: Request) -> JSONResponse:
        body = await request.json()
        n = int(body.get("n", ROWS))
        rows = [
            {"id": r.id, "name": r.name, "score": r.score, "active": r.active, "code": r.code}
            for r in make_rows(n)
        ]
        return JSONResponse({"data": {"rows": rows}})

    return Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/plain/trivial", plain_trivial, methods=["POST"]),
            Route("/plain/rows", plain_rows, methods=["POST"]),
        ]
    )


def load_app(spec: str) -> Any:
    """An ASGI app from `module:attr`; a callable without parameters is a factory."""
    module_name, _, attr = spec.partition(":")
    target = getattr(importlib.import_module(module_name), attr or "app")
    if callable(target) and not _is_asgi(target):
        return target()
    return target


def _is_asgi(obj: Any) -> bool:
    import inspect

    call = obj if inspect.isfunction(obj) else getattr(obj, "__call__", None)  # noqa: B004
    if call is None:
        return False
    try:
        return len(inspect.signature(call).parameters) == 3
    except (TypeError, ValueError):
        return False


def serve(port: int, app_spec: str | None) -> None:
    """Run uvicorn on 127.0.0.1:port in this process (the subprocess side)."""
    import uvicorn

    app = load_app(app_spec) if app_spec else build_bench_app()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="auto" if app_spec else "off",
    )


# ---- the client side --------------------------------------------------------------------------


@dataclass
class Result:
    """The figures of one scenario."""

    name: str
    requests: int
    failures: int
    seconds: float
    req_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu_us: float


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    body: dict[str, Any]


class Server:
    """A uvicorn subprocess on a free loopback port, stopped by its pid."""

    def __init__(self, app_spec: str | None) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(self.port)]
        if app_spec:
            command += ["--app", app_spec]
        env = {**os.environ, "IPCREDIT_ENV": "production"}
        self.process = subprocess.Popen(command, env=env)
        self.ps = psutil.Process(self.process.pid)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def run_load(
    server: Server, scenario: Scenario, *, requests: int, concurrency: int, cap_s: float
) -> Result:
    """Send `requests` POSTs, `concurrency` at a time, stopping at the time cap."""
    latencies: list[float] = []
    failures = 0
    issued = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=30) as client:
        for _ in range(min(100, requests)):  # warm-up: connections and caches
            await client.post(scenario.path, json=scenario.body)
        deadline = time.perf_counter() + cap_s

        async def worker() -> None:
            nonlocal issued, failures
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                started = time.perf_counter()
                response = await client.post(scenario.path, json=scenario.body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or "errors" in response.json():
                    failures += 1

        cpu_before = server.cpu_seconds()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        took = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu_before
    done = len(latencies)
    ordered = sorted(latencies)
    return Result(
        name=scenario.name,
        requests=done,
        failures=failures,
        seconds=round(took, 3),
        req_per_s=round(done / took, 1),
        p50_ms=round(statistics.median(ordered) * 1000, 3),
        p99_ms=round(ordered[min(done - 1, int(done * 0.99))] * 1000, 3),
        server_cpu_us=round(cpu / done * 1e6, 1),
    )


def print_table(results: list[Result]) -> None:
    print(f"{'scenario':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'server CPU us/req':>19}  fails")
    for r in results:
        print(
            f"{r.name:<24}{r.req_per_s:>9.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
            f"{r.server_cpu_us:>19.0f}  {r.failures}"
        )


def build_parser() -> argparse.ArgumentParser:
    """The command line: load size, the optional extra app and its queries."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--cap-seconds", type=float, default=20.0, help="per scenario")
    parser.add_argument("--app", help="also measure this app (module:attr)")
    parser.add_argument("--path", default="/graphql", help="GraphQL path of --app")
    parser.add_argument("--trivial-query", default=TRIVIAL_QUERY)
    parser.add_argument("--list-query", default=LIST_QUERY)
    parser.add_argument("--list-fields", type=int, default=ROWS * FIELDS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser


def compute_checks(by_name: dict[str, Result], list_fields: int) -> dict[str, tuple[float, bool]]:
    """Each target's figure (by server CPU per request) and whether it is met."""
    plain, trivial = by_name["plain trivial"], by_name["graphql trivial"]
    plain_list = by_name[f"plain {ROWS}x{FIELDS}"]
    graphql_list = by_name[f"graphql {ROWS}x{FIELDS}"]
    trivial_share = plain.server_cpu_us / trivial.server_cpu_us
    list_factor = graphql_list.server_cpu_us / plain_list.server_cpu_us
    per_field = (graphql_list.server_cpu_us - trivial.server_cpu_us) / (ROWS * FIELDS)
    checks = {
        "trivial_share_of_plain": (trivial_share, trivial_share >= TRIVIAL_TARGET),
        "list_factor_over_plain": (list_factor, list_factor <= LIST_TARGET),
        "us_per_scalar_field": (per_field, per_field <= FIELD_TARGET_US),
    }
    if "app list" in by_name:
        app_us = by_name["app list"].server_cpu_us - by_name["app trivial"].server_cpu_us
        checks["app_us_per_field"] = (app_us / list_fields, True)
    return checks


def print_report(
    results: list[Result], by_name: dict[str, Result], checks: dict[str, tuple[float, bool]]
) -> None:
    """Print the table, each target's figure and verdict, and the failed requests."""
    failures = sum(r.failures for r in results)
    print_table(results)
    trivial_share = checks["trivial_share_of_plain"][0]
    list_factor = checks["list_factor_over_plain"][0]
    per_field = checks["us_per_scalar_field"][0]
    client_share = by_name["graphql trivial"].req_per_s / by_name["plain trivial"].req_per_s
    print(
        f"trivial query: {trivial_share:.0%} of plain throughput by server CPU"
        f" ({client_share:.0%} by client-observed req/s); target >= {TRIVIAL_TARGET:.0%}:"
        f" {'OK' if checks['trivial_share_of_plain'][1] else 'MISSED'}"
    )
    print(
        f"{ROWS}x{FIELDS} list: {list_factor:.1f}x plain by server CPU;"
        f" target <= {LIST_TARGET:.0f}x: {'OK' if checks['list_factor_over_plain'][1] else 'MISSED'}"
    )
    print(
        f"per resolved scalar field: {per_field:.2f} us; target <= {FIELD_TARGET_US:.0f} us:"
        f" {'OK' if checks['us_per_scalar_field'][1] else 'MISSED'}"
    )
    if "app_us_per_field" in checks:
        print(f"--app: {checks['app_us_per_field'][0]:.2f} us per field of --list-query")
    if failures:
        print(f"{failures} requests failed")


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table and the ratios; exit 1 when a target is missed."""
    args = build_parser().parse_args(argv)
    if args.serve:
        serve(args.serve, args.app)
        return 0
    scenarios = [
        Scenario("plain trivial", "/plain/trivial", {}),
        Scenario("graphql trivial", "/graphql", {"query": TRIVIAL_QUERY}),
        Scenario(f"plain {ROWS}x{FIELDS}", "/plain/rows", {"n": ROWS}),
        Scenario(f"graphql {ROWS}x{FIELDS}", "/graphql", {"query": LIST_QUERY}),
    ]
    results = _measure(None, scenarios, args)
    if args.app:
        app_scenarios = [
            Scenario("app trivial", args.path, {"query": args.trivial_query}),
            Scenario("app list", args.path, {"query": args.list_query}),
        ]
        results += _measure(args.app, app_scenarios, args)
    by_name = {r.name: r for r in results}
    checks = compute_checks(by_name, args.list_fields)
    failures = sum(r.failures for r in results)
    if args.json:
        print(json.dumps({
            "results": [asdict(r) for r in results],
            "checks": {k: {"value": round(v, 3), "ok": ok} for k, (v, ok) in checks.items()},
        }))  # fmt: skip
    else:
        print_report(results, by_name, checks)
    return 0 if failures == 0 and all(ok for _, ok in checks.values()) else 1


def _measure(
    app_spec: str | None, scenarios: list[Scenario], args: argparse.Namespace
) -> list[Result]:
    server = Server(app_spec)
    try:
        server.wait_ready()
        results: list[Result] = []
        for scenario in scenarios:
            load = run_load(
                server,
                scenario,
                requests=args.requests,
                concurrency=args.concurrency,
                cap_s=args.cap_seconds,
            )
            results.append(asyncio.run(load))
            print(f"  {scenario.name}: done", file=sys.stderr)
        return results
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
