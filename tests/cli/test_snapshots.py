"""After `world import`, every indicator snapshot is recomputed: queued, or here with --inline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.helpers import run
from tests.factories import tiny_world, write_world


def _count(url: str, sql: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
        return int(conn.execute(sql).fetchone()[0])


QUEUED = "SELECT COUNT(*) FROM outbox_message WHERE topic = 'refresh_snapshots'"
SNAPSHOTS = "SELECT COUNT(*) FROM indicator_snapshot"


def test_import_queues_the_refresh_for_the_workers(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_world(tiny_world(), tmp_path / "w")
    assert run(["world", "import", str(tmp_path / "w")]) == 0
    assert "indicator snapshots queued" in capsys.readouterr().err
    assert (_count(cli_db, QUEUED), _count(cli_db, SNAPSHOTS)) == (1, 0)
    # nothing new in a second import: nothing to refresh
    assert run(["world", "import", str(tmp_path / "w")]) == 0
    assert _count(cli_db, QUEUED) == 1


def test_import_inline_computes_the_snapshots_with_progress(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_world(tiny_world(), tmp_path / "w")
    assert run(["world", "import", str(tmp_path / "w"), "--inline"]) == 0
    err = capsys.readouterr().err
    assert "indicator snapshots: 3/3" in err and "stored 3 indicator snapshots" in err
    assert (_count(cli_db, QUEUED), _count(cli_db, SNAPSHOTS)) == (0, 3)
