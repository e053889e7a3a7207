"""`ipcredit gnn ...` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gnn import registry
from tests.cli.helpers import parse, run
from tests.gnn.worlds import synthetic_rows


def write_world(directory: Path, n: int = 250) -> Path:
    directory.mkdir()
    for stem, rows in synthetic_rows(n, seed=4).items():
        with (directory / f"{stem}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
    return directory


def test_evaluate_prints_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = write_world(tmp_path / "world")
    assert run(["gnn", "evaluate", "--world", str(world), "--epochs", "20", "--json"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert {"auc_graph", "auc_tabular", "n_train", "n_test", "split"} <= set(result)
    assert "graph AUC" in err


def test_evaluate_on_a_missing_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["gnn", "evaluate", "--world", str(tmp_path / "nothing")]) == 2
    assert "not a world directory" in capsys.readouterr().err


def test_train_from_a_world_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import config

    data = tmp_path / "data"
    monkeypatch.setenv("IPCREDIT_DATA_DIR", str(data))
    config.settings.cache_clear()
    world = write_world(tmp_path / "world")
    try:
        assert run(["gnn", "train", "--world", str(world), "--epochs", "10", "--json"]) == 0
    finally:
        config.settings.cache_clear()
    out = json.loads(capsys.readouterr().out)
    assert registry.active_version(data) == out["version"]
    assert (data / out["path"]).exists()


@pytest.mark.parametrize("argv", [["gnn", "contagion"], ["gnn", "explain"], ["gnn", "bogus"]])
def test_bad_arguments_exit(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse(argv)
