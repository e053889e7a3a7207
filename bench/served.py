"""The application as `make run` serves it, for benchmarks that measure what clients get.

    world = World.at(enterprises=2000)
    world.prepare(fresh=False)            # the CLI: generate, import, products, train, gnn train
    with world.serve() as server:         # `ipcredit serve --port <free>` in a subprocess
        token = server.login(STAFF_EMAIL, PASSWORD)
        server.graphql("{ __typename }", token=token)
    with world.data_platform() as url:    # `ipcredit provider serve --world ...` beside it
        with world.serve(env={"IPCREDIT_PROVIDER_URL": url}) as server:
            ...                           # the application pulls outside data over HTTP

A world lives in data/bench/world-<enterprises>/ with its own SQLite database (or the database
named by BENCH_DATABASE_URL, which `fresh` leaves as it is) and is reused by later runs;
`fresh=True` rebuilds it. Every step is the `ipcredit` command line a bank's operator would run,
as `ipcredit demo` runs them; the server is the one `make run` starts, with the data directory
(and so the trained graph model) of the world. Nothing is computed ahead that the served
application does not compute itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"
STAFF_EMAIL = "bench-officer@bench.example"
FEED_EMAIL = "bench-feed@bench.example"
GNN_TRAIN_LIMIT = 20_000  # larger worlds borrow the graph model of the 2,000-firm world
STAFF = ((STAFF_EMAIL, "LOAN_OFFICER"), (FEED_EMAIL, "SERVICE"))
LOGIN = """mutation($email: String!, $password: String!, $otp: String) {
  login(email: $email, password: $password, otp: $otp) {
    token enrolmentOnly errors { code field message } } }"""
ENROL = "mutation { enrollTotp { secret errors { code message } } }"
CONFIRM = """mutation($code: String!) {
  confirmTotp(code: $code) { token errors { code message } } }"""


def say(message: str) -> None:
    """Progress on stderr (stdout is kept for the figures)."""
    print(message, file=sys.stderr, flush=True)


def world_parser(doc: str) -> argparse.ArgumentParser:
    """A parser with the options every benchmark of a served world takes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="rebuild the world and its database")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    return parser


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ipcredit_command() -> list[str]:
    """The `ipcredit` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "ipcredit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


class GraphQLError(RuntimeError):
    """A GraphQL request came back with errors."""


@dataclass
class World:
    """A generated world prepared in its own data directory and database."""

    enterprises: int
    seed: int
    root: Path
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def at(cls, *, enterprises: int, seed: int = 7, name: str | None = None) -> World:
        """The world of `enterprises` firms under data/bench/ (named after its size)."""
        root = ROOT / "data" / "bench" / (name or f"world-{enterprises}")
        return cls(enterprises=enterprises, seed=seed, root=root)

    @property
    def world_dir(self) -> Path:
        """The world's JSON Lines files."""
        return self.root / "world"

    @property
    def database_url(self) -> str:
        """BENCH_DATABASE_URL when set (e.g. PostgreSQL), else this world's SQLite file."""
        return os.environ.get("BENCH_DATABASE_URL") or f"sqlite://{self.root / 'ipcredit.sqlite3'}"

    def env(self) -> dict[str, str]:
        """The environment of every command and of the server: this world's data and database."""
        env = dict(os.environ)
        env.update(IPCREDIT_DATA_DIR=str(self.root), DATABASE_URL=self.database_url)
        env.setdefault("IPCREDIT_JWT_TTL", "3600")  # a token lasts the whole benchmark
        return env

    def cli(self, *args: str, check: bool = True, stdin: str | None = None) -> float:
        """Run `ipcredit <args>` for this world (`stdin` its standard input); the seconds it
        took. Raises when it fails."""
        say(f"$ ipcredit {' '.join(args)}")
        started = time.perf_counter()
        done = subprocess.run(
            [*ipcredit_command(), *args], cwd=ROOT, env=self.env(), check=False,
            input=stdin, text=stdin is not None,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"`ipcredit {' '.join(args)}` failed ({done.returncode})")
        return time.perf_counter() - started

    @property
    def stamp(self) -> Path:
        """Written once every preparation step has succeeded."""
        return self.root / "prepared.json"

    def prepare(self, *, fresh: bool = False) -> dict[str, float]:
        """Generate, import, seed products, train both models, create staff; once per world."""
        if fresh and self.root.exists():
            shutil.rmtree(self.root)
        if self.stamp.exists():
            recorded = json.loads(self.stamp.read_text())
            if recorded.get("enterprises") != self.enterprises:
                raise RuntimeError(f"{self.root} holds another world; rebuild it with --fresh")
            say(f"reusing the prepared world in {self.root}")
            return {}
        self.root.mkdir(parents=True, exist_ok=True)
        steps: dict[str, float] = {}
        if not (self.world_dir / "enterprises.jsonl").exists():
            steps["generate"] = self.cli(
                "world", "generate", "--enterprises", str(self.enterprises),
                "--seed", str(self.seed), "--out", str(self.world_dir),
            )  # fmt: skip
        # snapshots computed here, with their own progress, so no background refresh competes
        # with the decisions measured later
        steps["import"] = self.cli("world", "import", str(self.world_dir), "--inline")
        steps["products"] = self.cli("products", "seed")
        steps["train"] = self.cli("train", "--no-graph")  # the graph model: just below
        steps["gnn train"] = self.graph_model()
        for email, role in STAFF:  # refused when it exists already (a rerun after a failure)
            self.cli(
                "user", "create", "--role", role, "--email", email, "--password-stdin",
                check=False, stdin=PASSWORD + "\n",
            )  # fmt: skip
        self.stamp.write_text(json.dumps({"enterprises": self.enterprises, "seconds": steps}))
        self.timings = steps
        return steps

    def graph_model(self) -> float:
        """Train the graph model on this world; above GNN_TRAIN_LIMIT firms, install the one
        trained on the 2,000-enterprise bench world instead (seconds spent).

        Training at 100,000 firms takes over 20 minutes and 18 GB, more than a benchmark run
        should. The model is inductive (GraphSAGE over the same feature columns), so it scores
        any world; these benchmarks measure serving, not the model's quality.
        """
        if self.enterprises <= GNN_TRAIN_LIMIT:
            return self.cli("gnn", "train")
        started = time.perf_counter()
        small = World.at(enterprises=2000, seed=self.seed)
        small.prepare()
        models = self.root / "models"
        models.mkdir(parents=True, exist_ok=True)
        for path in (small.root / "models").glob("gnn-*"):
            shutil.copy2(path, models / path.name)
        say(f"graph model: the one trained on {small.root.name} (GraphSAGE is inductive)")
        return time.perf_counter() - started

    @contextlib.contextmanager
    def serve(
        self, *, ready_timeout_s: float = 900.0, env: dict[str, str] | None = None
    ) -> Iterator[Server]:
        """`ipcredit serve` on a free port until the block ends; ready when /readyz says so.
        `env` adds to (or overrides) the world's environment."""
        server = Server.start(self, ready_timeout_s=ready_timeout_s, env=env)
        try:
            yield server
        finally:
            server.stop()

    @contextlib.contextmanager
    def data_platform(self, *, ready_timeout_s: float = 300.0) -> Iterator[str]:
        """`ipcredit provider serve` over this world's directory on a free port until the block
        ends (the bank's data platform, docs/providers.md); its base URL, once /health answers."""
        port = free_port()
        log = self.root / "provider.log"
        command = [*ipcredit_command(), "provider", "serve", "--world", str(self.world_dir),
                   "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
        say(f"$ ipcredit provider serve --world {self.world_dir} --port {port}  (log: {log})")
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env(), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(process, f"{url}/health", log, timeout_s=ready_timeout_s)
            yield url
        finally:
            stop_process(process)


@dataclass
class Server:
    """A running `ipcredit serve` subprocess."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    ready_s: float = 0.0
    totp_dir: Path | None = None  # second-factor secrets of the world's money staff
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=120.0))

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        """Where GraphQL is served over HTTP."""
        return f"{self.url}/graphql"

    @property
    def ws_url(self) -> str:
        """Where GraphQL is served over websockets."""
        return f"ws://127.0.0.1:{self.port}/graphql"

    @classmethod
    def start(
        cls, world: World, *, ready_timeout_s: float, env: dict[str, str] | None = None
    ) -> Server:
        """Start the server as `make run` does (with `env` added to the world's environment)
        and wait until it is ready."""
        port = free_port()
        log = world.root / "serve.log"
        command = [*ipcredit_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        extra = " ".join(f"{k}={v}" for k, v in (env or {}).items())
        say(f"$ {extra + ' ' if extra else ''}ipcredit serve --port {port}  (log: {log})")
        started = time.perf_counter()
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env={**world.env(), **(env or {})}, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        server = cls(process=process, port=port, log=log, totp_dir=world.root / "totp")
        try:
            server.wait_ready(ready_timeout_s)
        except BaseException:
            server.stop()
            raise
        server.ready_s = time.perf_counter() - started
        say(f"ready after {server.ready_s:.1f} s")
        return server

    def wait_ready(self, timeout_s: float) -> None:
        """Poll /readyz until it answers 200; fail at once if the server exits."""
        wait_for(self.process, f"{self.url}/readyz", self.log, timeout_s=timeout_s)

    def tail(self, lines: int = 30) -> str:
        """The end of the server's log."""
        return tail(self.log, lines)

    def stop(self) -> None:
        """SIGTERM to the server's pid; anything left of its process group is killed."""
        self.client.close()
        stop_process(self.process)

    def graphql(self, query: str, *, token: str | None = None, **variables: Any) -> dict[str, Any]:
        """POST one GraphQL request; its `data`. Raises GraphQLError on errors."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.post(
            self.graphql_url, json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise GraphQLError(f"{response.status_code}: {body.get('errors') or body}")
        data: dict[str, Any] = body["data"]
        return data

    def login(self, email: str, password: str = PASSWORD) -> str:
        """A bearer token for an account; staff who move money enrol a second factor the
        first time (its secret kept in the world's directory) and log in with its code."""
        import pyotp

        secret_file = (self.totp_dir or self.log.parent / "totp") / email
        otp = None
        if secret_file.exists():  # the next step's code: one already used now is refused
            otp = pyotp.TOTP(secret_file.read_text().strip()).at(time.time() + 30)
        payload = self.graphql(LOGIN, email=email, password=password, otp=otp)["login"]
        if payload["enrolmentOnly"]:
            limited = payload["token"]
            secret = self.graphql(ENROL, token=limited)["enrollTotp"]["secret"]
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(secret)
            code = pyotp.TOTP(secret).now()
            payload = self.graphql(CONFIRM, token=limited, code=code)["confirmTotp"]
        if payload["errors"] or not payload["token"]:
            raise GraphQLError(f"login of {email} refused: {payload['errors']}")
        token: str = payload["token"]
        return token


def tail(log: Path, lines: int = 30) -> str:
    """The end of a log file."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def wait_for(process: subprocess.Popen[bytes], url: str, log: Path, *, timeout_s: float) -> None:
    """Poll `url` until it answers 200; fail at once if the process exits."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{url}: the process exited ({process.returncode}):\n{tail(log)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get(url).status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s:\n{tail(log)}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to a process started in its own session; anything left of its group is killed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        for _ in range(50):  # children (workers) get a moment to follow their parent out
            os.killpg(process.pid, 0)
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
