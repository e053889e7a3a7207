"""`ipcredit loans classify` on a file database."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run


def test_classify_an_empty_portfolio(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["loans", "classify", "--as-of", "2025-06-30", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"as_of": "2025-06-30", "loans": 0, "classification": {}, "changed": 0,
                       "events": 0}  # fmt: skip
