"""Logins under load: `ipcredit serve` answering 20 concurrent logins while other requests go on.

    .venv/bin/python bench/bench_login.py [--logins 20] [--seconds 20] [--json]

Passwords are hashed with argon2id (deliberately slow), in worker threads, a few at a time: a
burst of logins queues for those slots and must not stall the event loop that answers every
other request. Targets: login p95 under 300 ms with 20 clients logging in at once, and the
other requests (`{ me { email } }` with a token, read from the database) under 50 ms p95.

The logins come from wrk (Debian package `wrk`), its own process with `--logins` connections,
each POSTing a login as soon as the previous one answered; a login refused or answered with an
error counts as a failure and fails the run. The other requests come from a Python client at a
modest pace, and their latencies are what the event loop gives everyone else meanwhile.

The server runs on a fresh SQLite database of its own under data/bench/login/, with one
ADMIN account per login client (no second factor: the password check is what is measured)
created by `ipcredit user create --password-stdin`; each wrk thread logs in as them in turn.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.served import ROOT, Server, World, ipcredit_command, say, world_parser  # noqa: E402
from bench.wrk import WrkResult, run_wrk  # noqa: E402

PASSWORD = "bench-login-password-7"
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code message } } }"""
OTHER = "{ me { email } }"
LOGIN_P95_MS = 300.0
OTHER_P95_MS = 50.0


def _email(i: int) -> str:
    return f"bench-login-{i}@bench.example"


def _create_accounts(world: World, count: int) -> None:
    """One ADMIN account per client, the password on standard input."""
    for i in range(count):
        done = subprocess.run(
            [*ipcredit_command(), "user", "create", "--role", "ADMIN", "--email", _email(i),
             "--password-stdin"],
            cwd=ROOT, env=world.env(), input=PASSWORD + "\n", text=True, capture_output=True,
            check=False,
        )  # fmt: skip
        if done.returncode != 0 and "already registered" not in done.stderr:
            raise RuntimeError(f"user create failed: {done.stderr.strip()}")


async def _post(client: httpx.AsyncClient, query: str, token: str | None = None, **v: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": v}, headers=headers)
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(str(body["errors"]))
    return body["data"]


def _wrk_logins(url: str, *, logins: int, seconds: float) -> WrkResult:
    """`logins` connections logging in back to back for `seconds` (blocking: run in a thread),
    each of wrk's threads taking the accounts in turn. A payload error entry carries a `code`,
    so a body containing one is a failed login."""
    bodies = [
        {"query": LOGIN, "variables": {"email": _email(i), "password": PASSWORD}}
        for i in range(logins)
    ]
    return run_wrk(
        f"{url}/graphql", bodies[0], threads=2, connections=logins,
        seconds=max(1, round(seconds)), timeout_s=30, error_marker='"code"',
        more_bodies=tuple(bodies[1:]),
    )  # fmt: skip


async def _others(client: httpx.AsyncClient, token: str, until: float, out: list[float]) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        await _post(client, OTHER, token)
        out.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)


def _p(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def measure(url: str, *, logins: int, seconds: float, others: int = 2) -> dict[str, Any]:
    """Run `logins` clients logging in and `others` clients reading for `seconds`."""
    limits = httpx.Limits(max_connections=logins + others + 4)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        token = (await _post(client, LOGIN, email=_email(0), password=PASSWORD))["login"]["token"]
        await _post(client, OTHER, token)  # warm
        quiet: list[float] = []
        await _others(client, token, time.perf_counter() + 2, quiet)
        other_ms: list[float] = []
        until = time.perf_counter() + seconds
        wrk, *_ = await asyncio.gather(
            asyncio.to_thread(_wrk_logins, url, logins=logins, seconds=seconds),
            *(_others(client, token, until, other_ms) for _ in range(others)),
        )
    login_p95 = wrk.p95_ms if wrk.p95_ms is not None else wrk.p99_ms
    return {
        "logins": logins,
        "seconds": seconds,
        "login_count": wrk.requests,
        "login_errors": wrk.errors,
        "logins_per_s": round(wrk.requests_per_s, 1),
        "login_p50_ms": round(wrk.p50_ms, 1),
        "login_p95_ms": round(login_p95, 1),
        "login_p99_ms": round(wrk.p99_ms, 1),
        "other_count": len(other_ms),
        "other_idle_p95_ms": round(_p(quiet, 95), 1),
        "other_p50_ms": round(_p(other_ms, 50), 1),
        "other_p95_ms": round(_p(other_ms, 95), 1),
        "login_ok": login_p95 < LOGIN_P95_MS and wrk.errors == 0,
        "other_ok": _p(other_ms, 95) < OTHER_P95_MS,
    }


def main() -> int:
    parser = world_parser(__doc__ or "")
    parser.add_argument("--logins", type=int, default=20, help="clients logging in at once")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    world = World.at(enterprises=0, name="login")
    if args.fresh and world.root.exists():
        shutil.rmtree(world.root)
    world.root.mkdir(parents=True, exist_ok=True)
    _create_accounts(world, args.logins)
    server = Server.start(world, ready_timeout_s=300)
    try:
        figures = asyncio.run(measure(server.url, logins=args.logins, seconds=args.seconds))
    finally:
        server.stop()
    say(
        f"{figures['logins']} concurrent logins ({figures['logins_per_s']}/s, "
        f"{figures['login_errors']} errors): p50 {figures['login_p50_ms']} ms, "
        f"p95 {figures['login_p95_ms']} ms (target < {LOGIN_P95_MS:.0f}); other requests: "
        f"p95 {figures['other_p95_ms']} ms (idle {figures['other_idle_p95_ms']} ms, target "
        f"< {OTHER_P95_MS:.0f})"
    )
    print(json.dumps(figures) if args.json else figures)
    return 0 if figures["login_ok"] and figures["other_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
