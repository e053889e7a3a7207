"""`ipcredit provider serve`: the data platform's contract over a world directory."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cli.provider import register
from db.models.consent import DataSource as S
from domain.providers.http import HttpProvider
from tests.domain.providers.data_platform import platform
from tests.factories import A, tiny_world, write_world
from tests.live_server import ROOT, free_port

SERVE = """
import argparse, sys
from cli.provider import register
parser = argparse.ArgumentParser()
register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


@pytest.fixture
def world(tmp_path: Path) -> Path:
    write_world(tiny_world(), tmp_path / "world")
    return tmp_path / "world"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def test_the_command_and_its_defaults() -> None:
    args = parse("provider", "serve", "--world", "w")
    assert (args.world, args.host, args.port, args.token) == ("w", "127.0.0.1", 8100, None)


def test_a_directory_without_a_world_is_refused(tmp_path: Path, data_dir: Path) -> None:
    args = parse("provider", "serve", "--world", str(tmp_path))
    assert args.func(args) == 2


def test_the_contract_over_the_wire(world: Path) -> None:
    with platform(world) as (url, _), httpx.Client(base_url=url) as client:
        assert client.get("/health").json() == {"status": "ok"}
        lookup = client.get(f"/v1/enterprises/{A}").json()
        assert lookup["enterprise"]["name"] == "合肥量子科技有限公司"
        tax = client.get(f"/v1/tax/{A}").json()
        assert (tax["uscc"], tax["source"]) == (A, "tax")
        assert sorted(tax["rows"]) == ["enterprises", "tax"]
        judicial = client.get(f"/v1/judicial/{A}").json()
        # a case's patents as recorded: the client keeps those it also receives
        assert judicial["rows"]["litigations"][0]["patents"] == ["CN110000001B"]
        unknown = "91340100MA9999999X"
        for path in (f"/v1/tax/{unknown}", f"/v1/enterprises/{unknown}", f"/v1/weather/{A}"):
            assert client.get(path).status_code == 404


@contextmanager
def served_command(world: Path) -> Iterator[str]:
    """`ipcredit provider serve` in its own process; yields its URL once it answers."""
    port = free_port()
    command = [sys.executable, "-c", SERVE, "provider", "serve", "--world", str(world),
               "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the platform exited"
            assert time.monotonic() < deadline, "the platform did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


async def test_the_served_command_answers_the_http_provider(world: Path, data_dir: Path) -> None:
    with served_command(world) as url:
        provider = HttpProvider(url)
        rows = await provider.fetch(A, list(S))
        await provider.aclose()
    assert {"enterprises", "tax", "patents", "litigations", "relations"} <= set(rows)
