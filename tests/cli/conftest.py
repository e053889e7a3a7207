"""Fixtures of the command tests: a file database the command opens itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def cli_db(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DATABASE_URL set to an empty SQLite file in the data directory, for one command."""
    import config

    url = f"sqlite://{data_dir / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    config.settings.cache_clear()
    yield url
    config.settings.cache_clear()
