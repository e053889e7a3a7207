"""Fitting on a bank's CSV table: good tables train, bad ones fail clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from domain.errors import InvalidInput
from domain.scoring.fit import fit_from_csv


def _table(n: int = 1500, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    debt = rng.uniform(0, 1, n)
    region = rng.choice(["north", "south", "east"], size=n)
    p = 1 / (1 + np.exp(-(-3 + 3 * debt + (region == "east") * 0.8)))
    bad = rng.random(n) < p
    debt_with_gaps = np.where(rng.random(n) < 0.1, np.nan, debt)
    return pd.DataFrame(
        {
            "loan_id": [f"L{i:06d}" for i in range(n)],
            "debt_ratio": debt_with_gaps,
            "region": region,
            "garbage": [f"{rng.integers(10**9):x}" for _ in range(n)],
            "status": np.where(bad, "default", "paid"),
        }
    )


def _write(tmp_path: Path, df: pd.DataFrame) -> Path:
    path = tmp_path / "history.csv"
    df.to_csv(path, index=False)
    return path


def test_fit_on_a_mixed_table_reports_metrics(tmp_path: Path) -> None:
    path = _write(tmp_path, _table())
    card, metrics = fit_from_csv(path, label="status", bad="default", test_share=0.3)
    assert set(card.features) == {"debt_ratio", "region"}
    assert metrics["n_train"] + metrics["n_test"] == 1500
    assert metrics["n_test"] == 450
    assert 0.6 < metrics["auc"] <= 1.0
    assert metrics["gini"] == pytest.approx(2 * metrics["auc"] - 1)
    assert 0 < metrics["ks"] < 1
    assert "garbage" in metrics["rejected"]
    assert "loan_id" in metrics["rejected"]
    assert len(metrics["calibration"]) == 10
    assert metrics["version"] == card.version


def test_numeric_label_and_bad_value(tmp_path: Path) -> None:
    df = _table()
    df["status"] = (df["status"] == "default").astype(int)
    card, metrics = fit_from_csv(_write(tmp_path, df), label="status", bad=1)
    assert metrics["bad_rate_train"] == pytest.approx(metrics["bad_rate_test"], abs=0.02)
    assert card.features


def test_same_seed_same_model(tmp_path: Path) -> None:
    path = _write(tmp_path, _table())
    a, _ = fit_from_csv(path, label="status", bad="default", seed=7)
    b, _ = fit_from_csv(path, label="status", bad="default", seed=7)
    assert a.version == b.version


@pytest.mark.parametrize(
    ("mutate", "label", "bad", "message"),
    [
        (lambda df: df, "outcome", "default", "no column 'outcome'"),
        (lambda df: df.assign(status="paid"), "status", "default", "one class"),
        (lambda df: df, "status", "defaulted", "one class"),
        (lambda df: df.iloc[:40], "status", "default", "too few"),
        (
            lambda df: df[["loan_id", "garbage", "status"]],
            "status",
            "default",
            "no usable feature",
        ),
        (lambda df: df[["status"]], "status", "default", "no feature columns"),
    ],
)
def test_bad_tables_fail_clearly(
    tmp_path: Path, mutate: object, label: str, bad: str, message: str
) -> None:
    df = mutate(_table())  # type: ignore[operator]
    with pytest.raises(InvalidInput, match=message):
        fit_from_csv(_write(tmp_path, df), label=label, bad=bad)


@pytest.mark.parametrize("share", [0.0, 1.0, -0.2, 1.5])
def test_test_share_must_be_a_proper_fraction(tmp_path: Path, share: float) -> None:
    with pytest.raises(InvalidInput, match="test share"):
        fit_from_csv(_write(tmp_path, _table(100)), label="status", bad="default", test_share=share)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x00\x00")
    with pytest.raises(InvalidInput):
        fit_from_csv(path, label="status", bad="default")
    with pytest.raises(InvalidInput, match="no such file"):
        fit_from_csv(tmp_path / "absent.csv", label="status", bad="default")
