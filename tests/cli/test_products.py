"""`ipcredit products seed` on a file database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run


def test_seed(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import config

    monkeypatch.setenv("DATABASE_URL", f"sqlite://{data_dir / 'cli.sqlite3'}")
    config.settings.cache_clear()
    assert run(["products", "seed", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["products"]) == 3
