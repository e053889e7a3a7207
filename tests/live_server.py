"""A live uvicorn server over a seeded SQLite database, for tests that go over the wire."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERVER = r"""
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.factories import tiny_world, write_world

async def seed():
    from db.connection import close_db, init_db
    from config import settings
    from db.models import Enterprise, Role
    from domain.accounts import service
    from domain.products.service import seed_products
    from domain.world.importer import import_world_dir
    await init_db(settings().database_url)
    write_world(tiny_world(), Path({world!r}))
    await import_world_dir(Path({world!r}))
    await seed_products()
    pw = "correct horse battery"
    from tests.domain.accounts.otp import enrol, fresh_code
    officer = await service.create_staff_user(email="officer@bank.cn", password=pw, role=Role.LOAN_OFFICER)
    app = await enrol(officer)
    staff = await service.login(email="officer@bank.cn", password=pw, otp=await fresh_code(officer.id, app))
    ent = await Enterprise.get(uscc=tiny_world()["enterprises"][0]["uscc"])
    from db.models import User
    from domain.accounts.passwords import hash_password
    from tests.trust import trust
    await trust(await User.create(email="cfo@a.cn", password_hash=hash_password(pw), role=Role.APPLICANT, enterprise_id=ent.id))
    applicant = await service.login(email="cfo@a.cn", password=pw)
    Path({tokens!r}).write_text(json.dumps({{"staff": staff.token, "applicant": applicant.token}}))
    await close_db()

asyncio.run(seed())
import uvicorn
from app import create_app
uvicorn.run(create_app(), host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


@dataclass
class LiveServer:
    """Where the server listens, and tokens of a staff member and an applicant."""

    url: str
    port: int
    staff_token: str
    applicant_token: str


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(tmp: Path, database: Path, *, production: bool = False) -> dict[str, str]:
    """The environment of a test server: its own data directory and SQLite file, no broker."""
    env = {
        **os.environ,
        "IPCREDIT_DATA_DIR": str(tmp / "data"),
        "DATABASE_URL": f"sqlite://{database}",
        "IPCREDIT_ENV": "production" if production else "development",
        # production refuses to sign or seal without a passphrase for the platform's keys
        "IPCREDIT_KEY_PASSPHRASE": "a passphrase for the test server only",
        "IPCREDIT_LOG_LEVEL": "WARNING",
        "IPCREDIT_JWT_TTL": "3600",  # the tokens handed out last the whole module
    }
    env.pop("BROKER_URL", None)
    env.pop("TEST_DATABASE_URL", None)
    return env


@contextmanager
def running(
    script: str, env: dict[str, str], *, port: int, timeout_s: float, what: str = "server"
) -> Iterator[None]:
    """Run a server script until the block ends: ready once `port` accepts a connection; stopped
    afterwards by its pid (SIGTERM, then SIGKILL after 10 s)."""
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=str(ROOT))
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start") from None
                time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def live_server(tmp: Path, *, production: bool = False) -> Iterator[LiveServer]:
    """Start a seeded server, wait until it answers, stop it afterwards (by its pid)."""
    port = free_port()
    tokens = tmp / "tokens.json"
    script = SERVER.format(root=str(ROOT), world=str(tmp / "world"), tokens=str(tokens), port=port)
    env = server_env(tmp, tmp / "live.sqlite3", production=production)
    with running(script, env, port=port, timeout_s=60):
        t = json.loads(tokens.read_text())
        yield LiveServer(f"http://127.0.0.1:{port}/graphql", port, t["staff"], t["applicant"])
