"""`ipcredit scorecard fit`: one JSON object on stdout, nothing written on failure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from domain.scoring.scorecard import Scorecard
from tests.cli.helpers import parse


def _csv(tmp_path: Path, *, classes: int = 2) -> Path:
    rng = np.random.default_rng(4)
    n = 800
    x = rng.normal(size=n)
    bad = rng.random(n) < 1 / (1 + np.exp(-(-2 + 1.5 * x)))
    if classes == 1:
        bad[:] = False
    path = tmp_path / "loans.csv"
    pd.DataFrame({"score_x": x, "city": rng.choice(["a", "b"], n), "y": np.where(bad, "B", "G")}
                 ).to_csv(path, index=False)  # fmt: skip
    return path


def test_fit_prints_one_json_object_and_writes_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m" / "card.json"
    args = parse(["scorecard", "fit", "--csv", str(_csv(tmp_path)), "--label", "y",
                  "--bad", "B", "--test-share", "0.25", "--out", str(out)])  # fmt: skip
    assert args.func(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"auc", "ks", "gini", "n_train", "n_test"} <= set(result)
    assert result["n_test"] == 200
    assert Scorecard.load(out).version == result["version"]


@pytest.mark.parametrize(
    ("label", "classes", "message"),
    [("outcome", 2, "no column 'outcome'"), ("y", 1, "one class")],
)
def test_failure_is_a_clear_error_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, classes: int, message: str
) -> None:
    out = tmp_path / "m" / "card.json"
    args = parse(["scorecard", "fit", "--csv", str(_csv(tmp_path, classes=classes)),
                  "--label", label, "--bad", "B", "--out", str(out)])  # fmt: skip
    assert args.func(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert not out.exists()
    assert not out.parent.exists()
