"""Legal-status rules and LTV on top of the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from domain.errors import InvalidInput
from domain.valuation.ltv import load_ltv, parse_ltv
from domain.valuation.model import fit_valuation
from domain.valuation.term import remaining_life_years
from domain.valuation.value import value_patents
from tests.domain.valuation.synthetic import synthetic

AS_OF = "2025-01-01"


@pytest.fixture(scope="module")
def model_and_data() -> tuple:
    patents, quality = synthetic(800, seed=2)
    model, _ = fit_valuation(quality, patents, seed=2)
    return model, patents, quality


def _one(patents: pd.DataFrame, **changes: Any) -> pd.DataFrame:
    row = patents.iloc[[0]].copy()
    for k, v in changes.items():
        row[k] = v
    return row


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"status": "lapsed"}, "NOT_IN_FORCE:lapsed"),
        ({"status": "invalidated"}, "NOT_IN_FORCE:invalidated"),
        ({"status": "expired"}, "NOT_IN_FORCE:expired"),
        ({"status": "pending"}, "PENDING"),
        ({"pledged": True}, "ALREADY_PLEDGED"),
        ({"filed_on": pd.Timestamp("2003-01-01"), "kind": "invention"}, "TERM_ENDED"),
    ],
)
def test_status_rules_zero_the_pledge_value(
    model_and_data: tuple, changes: dict, flag: str
) -> None:
    model, patents, quality = model_and_data
    out = value_patents(model, quality, _one(patents, **changes), as_of=AS_OF)
    assert out["pledge_value"].iloc[0] == 0.0
    assert out["value"].iloc[0] > 0
    assert flag in out["flags"].iloc[0].split(",")


def test_annuity_overdue_is_flagged_not_zeroed(model_and_data: tuple) -> None:
    model, patents, quality = model_and_data
    row = _one(patents, annuity_paid_through=pd.Timestamp("2024-06-30"), kind="invention",
               filed_on=pd.Timestamp("2020-01-01"))  # fmt: skip
    out = value_patents(model, quality, row, as_of=AS_OF)
    assert out["flags"].iloc[0] == "ANNUITY_OVERDUE"
    assert out["pledge_value"].iloc[0] > 0


@pytest.mark.parametrize(
    ("kind", "filed_on", "rate"),
    [
        ("invention", "2020-01-01", 0.30),  # 15 years left
        ("invention", "2012-01-01", 0.25),  # 7 years left
        ("invention", "2008-01-01", 0.15),  # 3 years left
        ("invention", "2006-06-01", 0.0),  # 1.4 years left
        ("utility_model", "2022-01-01", 0.15),  # 7 years left
        ("utility_model", "2018-01-01", 0.10),  # 3 years left
        ("design", "2022-01-01", 0.10),  # 15-year term, 12 left
        ("design", "2018-01-01", 0.05),  # 10-year term (filed before June 2021), 3 left
    ],
)
def test_ltv_by_kind_and_remaining_life(
    model_and_data: tuple, kind: str, filed_on: str, rate: float
) -> None:
    model, patents, quality = model_and_data
    row = _one(patents, kind=kind, filed_on=pd.Timestamp(filed_on))
    out = value_patents(model, quality, row, as_of=AS_OF)
    assert out["ltv"].iloc[0] == rate
    assert out["pledge_value"].iloc[0] == pytest.approx(out["value"].iloc[0] * rate)


def test_ltv_table_is_configurable(model_and_data: tuple, tmp_path: Path) -> None:
    model, patents, quality = model_and_data
    path = tmp_path / "ltv.json"
    path.write_text(json.dumps({"rates": {"invention": [{"min_remaining_years": 0, "rate": 0.5}]}}))
    row = _one(patents, kind="invention", filed_on=pd.Timestamp("2020-01-01"))
    out = value_patents(model, quality, row, as_of=AS_OF, ltv=load_ltv(path))
    assert out["ltv"].iloc[0] == 0.5


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


def test_remaining_life() -> None:
    left = remaining_life_years(
        pd.Series(["invention", "utility_model", "design", "other"]),
        pd.Series(pd.to_datetime(["2015-01-01", "2010-01-01", "2021-07-01", "2015-01-01"])),
        pd.Timestamp("2025-01-01"),
    )
    assert left[0] == pytest.approx(10.0, abs=0.01)
    assert left[1] == 0.0
    assert left[2] == pytest.approx(11.5, abs=0.01)
    assert np.isnan(left[3])


def test_batch_is_indexed_by_number(model_and_data: tuple) -> None:
    model, patents, quality = model_and_data
    out = value_patents(model, quality, patents, as_of=AS_OF)
    assert list(out.index) == list(patents["number"])
    assert (out["low"] <= out["value"]).all()
    assert (out["value"] <= out["high"]).all()
