"""`ipcredit gnn ...` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gnn import registry
from tests.cli.helpers import parse, run
from tests.factories import write_world
from tests.gnn.worlds import synthetic_rows


def _world(directory: Path) -> Path:
    write_world(synthetic_rows(250, seed=4), directory)
    return directory


def test_evaluate_prints_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = _world(tmp_path / "world")
    assert run(["gnn", "evaluate", "--world", str(world), "--epochs", "20", "--json"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert {"auc_graph", "auc_tabular", "n_train", "n_test", "split"} <= set(result)
    assert "graph AUC" in err


def test_evaluate_on_a_missing_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["gnn", "evaluate", "--world", str(tmp_path / "nothing")]) == 2
    assert "not a world directory" in capsys.readouterr().err


def test_train_from_a_world_directory(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = _world(tmp_path / "world")
    assert run(["gnn", "train", "--world", str(world), "--epochs", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert registry.active_version(data_dir) == out["version"]
    assert (data_dir / out["path"]).exists()


@pytest.mark.parametrize("argv", [["gnn", "contagion"], ["gnn", "explain"], ["gnn", "bogus"]])
def test_bad_arguments_exit(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse(argv)
