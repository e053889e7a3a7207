"""The `indicators` command group: catalogue and computation from a world directory."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from domain.indicators.registry import codes, definitions
from domain.world.generator import generate_world, write_world
from tests.cli.helpers import run


def test_list_one_category_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["indicators", "list", "--category", "tax", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in listed] == [d.code for d in definitions() if d.category == "tax"]
    assert set(listed[0]) == {"code", "name", "category", "source", "unit", "description",
                              "direction"}  # fmt: skip


def test_list_rejects_an_unknown_category(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["indicators", "list", "--category", "weather"]) == 2
    assert "unknown category" in capsys.readouterr().err


def test_compute_from_a_world_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = generate_world(enterprises=12, seed=4)
    write_world(rows, tmp_path / "w")
    out = tmp_path / "ind.csv"
    argv = ["indicators", "compute", str(tmp_path / "w"), "--out", str(out),
            "--as-of", "2025-01-01", "--json"]  # fmt: skip
    assert run(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 12
    table = pd.read_csv(out, index_col=0)
    assert list(table.columns) == codes()
    assert table["reg.age_years"].notna().all()


def test_bad_as_of_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run(["indicators", "compute", str(tmp_path), "--out", "x.csv", "--as-of", "soon"])
