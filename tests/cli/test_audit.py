"""`ipcredit audit checkpoint` signs the chain's head; `ipcredit audit verify` then finds a
rewrite that recomputed every hash with plain SQL, and names the checkpoint it breaks."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime

import pytest

from domain.audit.chain import entry_hash
from tests.cli.helpers import run


async def _record(url: str, n: int) -> None:
    from db.connection import close_db, init_db
    from domain import audit

    await init_db(url)
    try:
        for i in range(n):
            await audit.record(actor="officer@bank.cn", action="approve",
                               entity_type="application", entity_id=i, data={"i": i})  # fmt: skip
    finally:
        await close_db()


def _rewrite(url: str, seq: int, actor: str) -> None:
    """Change one entry's actor and recompute every later hash, as an administrator could."""
    with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
        rows = conn.execute(
            "SELECT seq, at, actor, action, entity_type, entity_id, data, prev_hash "
            "FROM audit_entry ORDER BY seq"
        ).fetchall()
        prev = rows[seq - 1][7]
        for row_seq, at, who, action, etype, eid, data, _ in rows[seq - 1 :]:
            who = actor if row_seq == seq else who
            digest = entry_hash(prev, seq=row_seq, at=datetime.fromisoformat(at), actor=who,
                                action=action, entity_type=etype, entity_id=eid,
                                data=json.loads(data))  # fmt: skip
            conn.execute(
                "UPDATE audit_entry SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (who, prev, digest, row_seq),
            )
            prev = digest


def test_checkpoint_then_verify_finds_a_consistent_rewrite(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_record(cli_db, 3))
    assert run(["audit", "checkpoint"]) == 0
    signed = json.loads(capsys.readouterr().out)
    assert signed["seq"] == 3 and signed["key_id"].startswith("sha256:")
    assert run(["audit", "verify"]) == 0
    assert "1 signed checkpoints" in capsys.readouterr().err

    _rewrite(cli_db, 2, actor="nobody@bank.cn")
    assert run(["audit", "verify", "--json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["chain"]["ok"] and not report["ok"]
    assert f"checkpoint {signed['id']} (seq 3) FAILS" in captured.err
    assert "rewritten" in captured.err


def test_verify_without_checkpoints_says_so(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_record(cli_db, 1))
    assert run(["audit", "verify"]) == 0
    assert "no checkpoint yet" in capsys.readouterr().err


def test_checkpoint_of_an_empty_chain_signs_nothing(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["audit", "checkpoint"]) == 0
    assert "empty" in capsys.readouterr().err
