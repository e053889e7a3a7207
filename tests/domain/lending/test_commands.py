"""The lending command line on a file database."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from domain.lending.commands import register


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_seed_then_classify(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import config

    monkeypatch.setenv("DATABASE_URL", f"sqlite://{data_dir / 'cli.sqlite3'}")
    config.settings.cache_clear()
    assert _run(["products", "seed", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["products"]) == 3
    assert _run(["loans", "classify", "--as-of", "2025-06-30", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"as_of": "2025-06-30", "loans": 0, "classification": {}, "changed": 0,
                       "events": 0}  # fmt: skip
