"""`ipcredit products seed` on a file database."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run


def test_seed(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["products", "seed", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["products"]) == 3
