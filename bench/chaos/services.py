"""A PostgreSQL cluster and a Redis server of the benchmark's own, on free ports.

The chaos run stops and starts them; it never touches a server anyone else uses. The cluster
lives in the world's directory (initdb once, reused by later runs); Redis keeps its
append-only file there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.served import free_port, say


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} is not installed (PostgreSQL server binaries are needed)")


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def cluster_home(name: str) -> Path:
    """Where the run's cluster lives: a directory the server's user owns (outside the
    checkout when running as root, whose directories the `postgres` user cannot enter)."""
    if os.geteuid() != 0:
        return Path("data") / "bench" / name / "pg"
    home = Path("/var/tmp/ipcredit-bench") / name
    home.mkdir(parents=True, exist_ok=True)
    shutil.chown(home, "postgres", "postgres")
    shutil.chown(home.parent, "postgres", "postgres")
    return home


def wait_port(port: int, *, up: bool, timeout_s: float = 30.0) -> None:
    """Wait until 127.0.0.1:port accepts connections (`up`) or refuses them."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            accepting = sock.connect_ex(("127.0.0.1", port)) == 0
        if accepting == up:
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} still {'closed' if up else 'open'} after {timeout_s:.0f} s")


@dataclass
class OwnPostgres:
    """A PostgreSQL cluster under `home` (data and log), trust authentication, on `port`."""

    home: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        """The benchmark database's URL."""
        return f"postgres://postgres@127.0.0.1:{self.port}/ipcredit"

    @property
    def directory(self) -> Path:
        """The cluster's data directory."""
        return self.home / "data"

    def start(self) -> None:
        """initdb when new, then start the server and create the database if missing."""
        if not (self.directory / "PG_VERSION").exists():
            subprocess.run(
                _as_server_user([_binary("initdb"), "-D", str(self.directory), "-U", "postgres",
                 "--auth=trust", "--no-sync", "-E", "UTF8"]),
                check=True, capture_output=True,
            )  # fmt: skip
        self._ctl("start", "-w", "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 "
                  f"-c unix_socket_directories='{self.directory}' -c max_connections=300 "
                  "-c fsync=off -c synchronous_commit=off")  # fmt: skip
        exists = subprocess.run(
            [_binary("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'ipcredit'"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        if not exists:
            subprocess.run(
                [_binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                 "ipcredit"], check=True,
            )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: running transactions are rolled back, clients cut)."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-w", "-m", mode)

    def restart(self, down_s: float) -> tuple[float, float]:
        """Stop, stay down `down_s` seconds, start again; (went down, back up) monotonic."""
        down = time.monotonic()
        self.stop()
        time.sleep(down_s)
        self._ctl("start", "-w", "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 "
                  f"-c unix_socket_directories='{self.directory}' -c max_connections=300 "
                  "-c fsync=off -c synchronous_commit=off")  # fmt: skip
        return down, time.monotonic()

    def psql(self, sql: str) -> str:
        """The unaligned result of one query on the benchmark database."""
        return subprocess.run(
            [_binary("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "ipcredit", "-tAc", sql],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    def _ctl(self, *args: str) -> None:
        log = self.home / "postgres.log"
        subprocess.run(
            _as_server_user([_binary("pg_ctl"), "-D", str(self.directory), "-l", str(log), *args]),
            check=True, capture_output=True,
        )  # fmt: skip


@dataclass
class OwnRedis:
    """A Redis server on a free port, its queues kept in an append-only file across restarts."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [_binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_port(self.port, up=True)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        wait_port(self.port, up=False)

    def restart(self, down_s: float) -> tuple[float, float]:
        """Stop, stay down `down_s` seconds, start again (what was queued is read back from
        the append-only file); (went down, back up) monotonic."""
        down = time.monotonic()
        self.stop()
        time.sleep(down_s)
        self.start()
        say(f"  redis back on :{self.port}")
        return down, time.monotonic()
