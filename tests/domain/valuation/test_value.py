"""Legal-status rules and LTV on top of the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from domain.errors import InvalidInput
from domain.valuation.ltv import load_ltv, parse_ltv
from domain.valuation.model import fit_valuation
from domain.valuation.value import value_patents
from tests.domain.valuation.synthetic import synthetic

IN_FORCE = {"is_granted": 1.0, "is_in_force": 1.0, "is_pending": 0.0, "is_lapsed": 0.0,
            "is_invalidated": 0.0, "is_expired": 0.0, "pledged": 0.0, "annuity_gap_days": -30.0,
            "kind": "invention", "remaining_life_years": 15.0}  # fmt: skip


@pytest.fixture(scope="module")
def model_and_data() -> tuple:
    quality, prices = synthetic(800, seed=2)
    model, _ = fit_valuation(quality, prices, seed=2)
    return model, quality


def _one(quality: pd.DataFrame, **changes: Any) -> pd.DataFrame:
    row = quality.iloc[[0]].copy()
    for k, v in {**IN_FORCE, **changes}.items():
        row[k] = v
    return row


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"is_in_force": 0.0, "is_lapsed": 1.0}, "NOT_IN_FORCE:lapsed"),
        ({"is_in_force": 0.0, "is_invalidated": 1.0}, "NOT_IN_FORCE:invalidated"),
        ({"is_in_force": 0.0, "is_expired": 1.0}, "NOT_IN_FORCE:expired"),
        ({"is_in_force": 0.0, "is_granted": 0.0, "is_pending": 1.0}, "PENDING"),
        ({"pledged": 1.0}, "ALREADY_PLEDGED"),
    ],
)
def test_status_rules_zero_the_pledge_value(
    model_and_data: tuple, changes: dict, flag: str
) -> None:
    model, quality = model_and_data
    out = value_patents(model, _one(quality, **changes))
    assert out["pledge_value"].iloc[0] == 0.0
    assert out["value"].iloc[0] > 0
    assert flag in out["flags"].iloc[0].split(",")


def test_annuity_overdue_is_flagged_not_zeroed(model_and_data: tuple) -> None:
    model, quality = model_and_data
    out = value_patents(model, _one(quality, annuity_gap_days=40.0))
    assert out["flags"].iloc[0] == "ANNUITY_OVERDUE"
    assert out["pledge_value"].iloc[0] > 0


@pytest.mark.parametrize(
    ("kind", "life", "rate"),
    [
        ("invention", 15.0, 0.30),
        ("invention", 7.0, 0.25),
        ("invention", 3.0, 0.15),
        ("invention", 1.4, 0.0),
        ("utility_model", 7.0, 0.15),
        ("utility_model", 3.0, 0.10),
        ("design", 12.0, 0.10),
        ("design", 3.0, 0.05),
        ("design", 1.0, 0.0),
    ],
)
def test_ltv_by_kind_and_remaining_life(
    model_and_data: tuple, kind: str, life: float, rate: float
) -> None:
    model, quality = model_and_data
    out = value_patents(model, _one(quality, kind=kind, remaining_life_years=life))
    assert out["ltv"].iloc[0] == rate
    assert out["pledge_value"].iloc[0] == pytest.approx(out["value"].iloc[0] * rate)


def test_ltv_table_is_configurable(model_and_data: tuple, tmp_path: Path) -> None:
    model, quality = model_and_data
    path = tmp_path / "ltv.json"
    path.write_text(json.dumps({"rates": {"invention": [{"min_remaining_years": 0, "rate": 0.5}]}}))
    out = value_patents(model, _one(quality), ltv=load_ltv(path))
    assert out["ltv"].iloc[0] == 0.5


def test_ltv_path_from_the_environment(
    model_and_data: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, quality = model_and_data
    path = tmp_path / "ltv.json"
    path.write_text(json.dumps({"rates": {"invention": [{"min_remaining_years": 0, "rate": 0.2}]}}))
    monkeypatch.setenv("IPCREDIT_LTV_PATH", str(path))
    assert value_patents(model, _one(quality))["ltv"].iloc[0] == 0.2


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"rates": {"invention": [{"min_remaining_years": 0, "rate": 1.5}]}},
        {"rates": {"invention": [{"rate": 0.2}]}},
        {"rates": {"invention": "0.3"}},
    ],
)
def test_malformed_ltv_tables_are_refused(doc: dict) -> None:
    with pytest.raises(InvalidInput):
        parse_ltv(doc)


def test_batch_keeps_the_quality_index(model_and_data: tuple) -> None:
    model, quality = model_and_data
    out = value_patents(model, quality)
    assert list(out.index) == list(quality.index)
    assert (out["low"] <= out["value"]).all()
    assert (out["value"] <= out["high"]).all()
    pending = quality["is_pending"] > 0
    assert pending.any()
    assert (out.loc[pending, "pledge_value"] == 0).all()
