"""Benchmark: the served API's lists and tail latency against a plain Strawberry server, by wrk.

    .venv/bin/python bench/bench_graphql_overhead.py [--enterprises 100000] [--connections 32]
        [--seconds 10] [--fresh] [--json]

Two servers run side by side, measured one after the other with the same wrk settings (-t2,
--connections, --seconds, each after a short warm-up run; --rounds times, forwards then
backwards, the best round of each kept):
- the application as `make run` serves it (bench/served.py), on a prepared world, as staff:
  `enterprises(first: 100) { edges { node { id uscc name } } }` and the trivial `{ __typename }`;
- bench/plain_server.py under uvicorn: plain Strawberry returning 100 rows of five fields from
  memory, and a raw Starlette endpoint answering what `{ __typename }` answers.
Targets: the list at >= 80 % of plain Strawberry's requests/s; the trivial query's p99 < 25 ms.
Raw Starlette's p99 is reported beside it for reference. Every response is checked: a run with
errors (non-200, GraphQL errors, timeouts) fails the benchmark whatever its speed.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.plain_server import LIST_QUERY as PLAIN_LIST  # noqa: E402
from bench.plain_server import ROWS  # noqa: E402
from bench.report import Report  # noqa: E402
from bench.served import ROOT, STAFF_EMAIL, Server, World, free_port, say, world_parser  # noqa: E402
from bench.wrk import WrkResult, run_wrk  # noqa: E402

LIST_RATIO_TARGET = 80.0
TRIVIAL_P99_TARGET_MS = 25.0
APP_LIST = f"{{ enterprises(first: {ROWS}) {{ edges {{ node {{ id uscc name }} }} }} }}"
TRIVIAL = "{ __typename }"


@contextlib.contextmanager
def plain_server() -> Iterator[str]:
    """bench/plain_server.py under uvicorn, as `ipcredit serve` runs uvicorn; its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "plain_server:app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"the plain server exited ({process.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"{url}/raw", json={}, timeout=2.0).raise_for_status()
                break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class Load:
    """One request loaded by wrk: where, what, as whom, and how many rows it must return."""

    name: str
    url: str
    query: str
    token: str | None = None
    rows: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The bearer token, when there is one."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def check_once(load: Load) -> None:
    """One request before any load: it must succeed (and carry its rows when it lists)."""
    response = httpx.post(load.url, json={"query": load.query}, headers=load.headers, timeout=60)
    data = response.json()
    if response.status_code != 200 or data.get("errors"):
        raise RuntimeError(f"{load.name}: {response.status_code} {data}")
    if load.rows is not None:
        listed = next(iter(data["data"].values()))
        got = len(listed["edges"] if isinstance(listed, dict) else listed)
        if got != load.rows:
            raise RuntimeError(f"{load.name}: {got} rows, expected {load.rows}")


def run_load(load: Load, args: argparse.Namespace) -> WrkResult:
    """Warm up, then the measured wrk run."""
    body = {"query": load.query}
    for seconds in (args.warmup, args.seconds):  # the last run is the measured one
        result = run_wrk(
            load.url, body, headers=load.headers, threads=args.threads,
            connections=args.connections, seconds=seconds,
        )  # fmt: skip
    say(f"  {load.name}: {result.summary()}")
    return result


def measure(
    server: Server, plain_url: str, args: argparse.Namespace
) -> tuple[dict[str, WrkResult], int]:
    """The best of --rounds runs of each load, by name, and the errors of all runs.

    Rounds go forwards then backwards through the loads, so that a drift in what else the
    machine is doing falls on both servers alike; the best round of each is kept.
    """
    token = server.login(STAFF_EMAIL)
    loads = [
        Load("plain list", f"{plain_url}/graphql", PLAIN_LIST, rows=ROWS),
        Load("app list", server.graphql_url, APP_LIST, token, rows=ROWS),
        Load("raw trivial", f"{plain_url}/raw", TRIVIAL),
        Load("plain trivial", f"{plain_url}/graphql", TRIVIAL),
        Load("app trivial", server.graphql_url, TRIVIAL, token),
    ]
    for load in loads:
        check_once(load)
    best: dict[str, WrkResult] = {}
    errors = 0
    for round_no in range(args.rounds):
        for load in loads if round_no % 2 == 0 else reversed(loads):
            result = run_load(load, args)
            errors += result.errors
            if load.name not in best or result.requests_per_s > best[load.name].requests_per_s:
                best[load.name] = result
    return best, errors


def record(report: Report, runs: dict[str, WrkResult], errors: int, connections: int) -> None:
    """The figures, with the targets where the issue sets them."""
    plain, app = runs["plain list"], runs["app list"]
    report.figure("plain Strawberry 100x5 rows", plain.requests_per_s, "req/s")
    report.figure("app enterprises(first: 100) as staff", app.requests_per_s, "req/s")
    report.figure("app list p50", app.p50_ms, "ms")
    report.figure("app list p99", app.p99_ms, "ms")
    report.figure(
        "app list / plain Strawberry", 100.0 * app.requests_per_s / plain.requests_per_s, "%",
        target=LIST_RATIO_TARGET, better="higher",
    )  # fmt: skip
    trivial = runs["app trivial"]
    report.figure("app { __typename } req/s", trivial.requests_per_s, "req/s")
    report.figure("app { __typename } p50", trivial.p50_ms, "ms")
    report.figure(
        f"app {{ __typename }} p99 at {connections} connections", trivial.p99_ms, "ms",
        target=TRIVIAL_P99_TARGET_MS,
    )  # fmt: skip
    report.figure("plain Strawberry { __typename } p99", runs["plain trivial"].p99_ms, "ms")
    report.figure("raw Starlette p99", runs["raw trivial"].p99_ms, "ms")
    report.figure("raw Starlette req/s", runs["raw trivial"].requests_per_s, "req/s")
    report.figure("responses with errors", errors, "responses", target=0.0)


def main() -> int:
    """Prepare the world once, serve it beside the plain server, load both with wrk."""
    parser = world_parser(__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each load; the best counts")
    args = parser.parse_args()
    world = World.at(enterprises=args.enterprises, seed=args.seed)
    world.prepare(fresh=args.fresh)
    report = Report("graphql_overhead")
    with plain_server() as plain_url, world.serve() as server:
        runs, errors = measure(server, plain_url, args)
    record(report, runs, errors, args.connections)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
