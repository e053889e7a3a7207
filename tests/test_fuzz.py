"""Schemathesis against the live GraphQL endpoint: no server errors, positive and negative."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import ROOT, live_server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))


def run_schemathesis(
    url: str, token: str, examples: int, mode: str
) -> subprocess.CompletedProcess[str]:
    """Fuzz every operation of the exported schema against the server."""
    st = Path(sys.executable).with_name("st")
    return subprocess.run(
        [
            str(st), "run", str(ROOT / "schema.graphql"), "--url", url,
            "-H", f"Authorization: Bearer {token}",
            "--checks", "not_a_server_error", "--mode", mode,
            "--max-examples", str(examples), "--seed", "1", "--no-shrink",
            "--request-timeout", "20", "--workers", "1",
            "--phases", "examples,fuzzing",
            # logging out ends the very session the fuzzer runs under: every later call
            # would be anonymous (logout has its own tests)
            "--exclude-name", "Mutation.logout",
        ],
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(ROOT / "tests" / "schemathesis_hooks.py")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_server_errors_under_fuzzing(tmp_path: Path, mode: str) -> None:
    with live_server(tmp_path, production=True) as server:
        result = run_schemathesis(server.url, server.staff_token, EXAMPLES, mode)
    tail = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, tail
