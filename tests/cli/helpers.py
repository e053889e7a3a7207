"""Running `ipcredit` in this process (parse, then call) or as a child process."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def parse(argv: list[str]) -> argparse.Namespace:
    """The parsed arguments of one command line."""
    return build_parser().parse_args(argv)


def run(argv: list[str]) -> int:
    """Parse and run one command line here; its exit code."""
    args = parse(argv)
    code: int = args.func(args)
    return code


def run_process(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `ipcredit` in a child process with this environment."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
