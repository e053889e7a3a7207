"""`ipcredit world generate`, `import` and `replay`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.helpers import parse, run_process
from tests.domain.monitoring.helpers import make_portfolio


def test_generate_writes_world_and_json_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # fmt: skip
    args = parse(["world", "generate", "--enterprises", "120", "--seed", "4",
                  "--out", str(tmp_path), "--contagion", "0", "--json"])  # fmt: skip
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"]["enterprises"] == 120 and out["contagion"] == 0.0
    lines = (tmp_path / "outcomes.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 120
    bad = parse(["world", "generate", "--enterprises", "1", "--seed", "4",
                 "--out", str(tmp_path / "x")])  # fmt: skip
    assert bad.func(bad) == 2
    assert not (tmp_path / "x").exists()


async def test_replay_ingests_and_processes_inline(shared_db: str, tmp_path: Path) -> None:
    if not shared_db.startswith("sqlite"):
        pytest.skip("runs on the SQLite file")
    p = await make_portfolio()
    world = tmp_path / "world"
    world.mkdir()
    rows = [
        {"id": "r2", "uscc": p.a.uscc, "occurred_at": "2025-02-01T00:00:00+00:00",
         "type": "equity_frozen", "payload": {}},
        {"id": "r1", "uscc": p.b.uscc, "occurred_at": "2025-01-01T00:00:00+00:00",
         "type": "legal_rep_changed", "payload": {}},
    ]  # fmt: skip
    (world / "events.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    env = {**os.environ, "DATABASE_URL": shared_db, "IPCREDIT_DATA_DIR": str(tmp_path / "d")}
    env.pop("BROKER_URL", None)
    done = run_process("world", "replay", str(world), "--inline", "--json", env=env)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert (counts["accepted"], counts["rejected"]) == (2, 0)
    assert counts["processed_inline"] >= 2
    assert "replayed 2 events" in done.stderr
    from db.models import RiskWarning

    kinds = await RiskWarning.all().order_by("id").values_list("kind", flat=True)
    assert kinds[:2] == ["legal_rep_changed", "equity_frozen"]
    again = run_process("world", "replay", str(world), "--json", env=env)
    assert json.loads(again.stdout)["duplicates"] == 2
    missing = run_process("world", "replay", str(tmp_path / "nowhere"), env=env)
    assert missing.returncode == 2


def test_import_reports_progress_per_file_and_json(tmp_path: Path) -> None:
    from tests.factories import A, tiny_world, write_world

    rows = tiny_world()
    write_world(rows, tmp_path / "w")
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}",
           "IPCREDIT_DATA_DIR": str(tmp_path / "d")}  # fmt: skip
    env.pop("BROKER_URL", None)

    done = run_process("world", "import", str(tmp_path / "w"), "--json", env=env)

    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["ok"] is True and out["added"]["enterprises"] == 3
    assert out["total_rows"] == sum(len(v) for v in rows.values()) == out["total_added"]
    assert out["enterprises_added"] == 3
    progress = [line.strip() for line in done.stderr.splitlines() if ".jsonl:" in line]
    assert progress[0].startswith("enterprises.jsonl: 3 lines, 3 added (")
    assert len(progress) == 11  # patents.jsonl: checked in its turn, written after citations
    assert "patents.jsonl: 3 lines checked, written after the citations" in progress
    assert (
        "imported 24 records (0 already present, 0 duplicate lines collapsed) from 24 lines in"
        in done.stderr
    )

    rows["outcomes"][1]["uscc"] = A[:-1] + ("0" if A[-1] != "0" else "1")
    write_world(rows, tmp_path / "bad")
    bad = run_process("world", "import", str(tmp_path / "bad"), "--json", env=env)
    assert bad.returncode == 1
    assert "outcomes.jsonl:2: uscc" in bad.stderr and "import refused: 1 bad line(s)" in bad.stderr
    refused = json.loads(bad.stdout)
    assert refused["ok"] is False and refused["bad_lines"] == 1
    assert refused["errors"] == [
        line for line in bad.stderr.splitlines() if "outcomes.jsonl:2:" in line
    ]
    again = run_process("world", "import", str(tmp_path / "w"), "--json", env=env)
    assert json.loads(again.stdout)["unchanged"]["patents"] == 3


def test_import_delta_updates_in_place_and_shows_collapsed_lines(tmp_path: Path) -> None:
    from tests.factories import A, C, tiny_world, write_world

    rows = tiny_world()
    rows["patent_citations"].append(dict(rows["patent_citations"][0]))
    write_world(rows, tmp_path / "w")
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}",
           "IPCREDIT_DATA_DIR": str(tmp_path / "d")}  # fmt: skip
    env.pop("BROKER_URL", None)
    first = run_process("world", "import", str(tmp_path / "w"), "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["duplicates_collapsed"]["patent_citations"] == 1
    assert "1 duplicate lines collapsed" in first.stderr
    feed = {"tax": [rows["tax"][0] | {"rating": "C"}, {"uscc": C, "year": 2023, "rating": "B"}]}
    write_world(feed, tmp_path / "feed")

    done = run_process(
        "world", "import", "--delta", str(tmp_path / "feed"), "--json", "--inline", env=env
    )

    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["updated"]["tax"], out["added"]["tax"]) == (1, 1)
    assert out["changed_usccs"] == sorted([A, C])
    assert "imported 1 records, 1 updated" in done.stderr
    assert "indicator snapshots: 2/2" in done.stderr
