"""Logins under load: `ipcredit serve` answering 20 concurrent logins while other requests go on.

    .venv/bin/python bench/bench_login.py [--logins 20] [--seconds 20] [--json]

Passwords are hashed with argon2id (deliberately slow), in worker threads, a few at a time: a
burst of logins queues for those slots and must not stall the event loop that answers every
other request. Targets: login p95 under 300 ms with 20 clients logging in at once, and the
other requests (`{ me { email } }` with a token, read from the database) under 50 ms p95.

The server runs on a fresh SQLite database of its own under data/bench/login/, with one
ADMIN account per login client (no second factor: the password check is what is measured)
created by `ipcredit user create --password-stdin`.
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


async def _logins(client: httpx.AsyncClient, i: int, until: float, out: list[float]) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        data = await _post(client, LOGIN, email=_email(i), password=PASSWORD)
        if data["login"]["errors"]:
            raise RuntimeError(f"login refused: {data['login']['errors']}")
        out.append((time.perf_counter() - started) * 1000)


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
        login_ms: list[float] = []
        other_ms: list[float] = []
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_logins(client, i, until, login_ms) for i in range(logins)),
            *(_others(client, token, until, other_ms) for _ in range(others)),
        )
    return {
        "logins": logins,
        "seconds": seconds,
        "login_count": len(login_ms),
        "login_p50_ms": round(_p(login_ms, 50), 1),
        "login_p95_ms": round(_p(login_ms, 95), 1),
        "other_count": len(other_ms),
        "other_idle_p95_ms": round(_p(quiet, 95), 1),
        "other_p50_ms": round(_p(other_ms, 50), 1),
        "other_p95_ms": round(_p(other_ms, 95), 1),
        "login_ok": _p(login_ms, 95) < LOGIN_P95_MS,
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
        f"{figures['logins']} concurrent logins: p50 {figures['login_p50_ms']} ms, "
        f"p95 {figures['login_p95_ms']} ms (target < {LOGIN_P95_MS:.0f}); other requests: "
        f"p95 {figures['other_p95_ms']} ms (idle {figures['other_idle_p95_ms']} ms, target "
        f"< {OTHER_P95_MS:.0f})"
    )
    print(json.dumps(figures) if args.json else figures)
    return 0 if figures["login_ok"] and figures["other_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
