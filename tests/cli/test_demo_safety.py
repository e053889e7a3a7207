"""`ipcredit demo` refuses production mode and a database that holds real data."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.cli.helpers import run


def test_demo_refuses_production_mode(
    cli_db: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import config

    monkeypatch.setenv("IPCREDIT_ENV", "production")
    config.settings.cache_clear()

    assert run(["demo", "--enterprises", "5"]) == 2
    assert "production mode" in capsys.readouterr().err
    assert not (data_dir / "world").exists()


def test_demo_refuses_a_database_with_real_users(
    cli_db: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_add_a_real_user(cli_db))

    assert run(["demo", "--enterprises", "5", "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "real data" in err and "1 user(s) that are not demo accounts" in err


async def _add_a_real_user(url: str) -> None:
    from db.connection import close_db, init_db
    from db.models import Role, User

    await init_db(url)
    try:
        await User.create(email="officer@bank.example", password_hash="x", role=Role.LOAN_OFFICER)
    finally:
        await close_db()
