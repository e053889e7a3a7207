"""Valuation model on a synthetic priced-patent table: accuracy, intervals, drivers, storage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from domain.errors import InvalidInput
from domain.valuation.model import ValuationModel, fit_valuation
from domain.valuation.store import load_model, save_model
from tests.domain.valuation.synthetic import synthetic


@pytest.fixture(scope="module")
def fitted() -> tuple[ValuationModel, dict, pd.DataFrame, pd.DataFrame]:
    patents, quality = synthetic()
    model, metrics = fit_valuation(quality, patents, test_share=0.25, seed=1)
    return model, metrics, patents, quality


def test_model_beats_the_naive_baseline(fitted: tuple) -> None:
    _, metrics, _, _ = fitted
    assert metrics["spearman"] > metrics["baseline_spearman"] + 0.1
    assert metrics["mdape"] < metrics["baseline_mdape"]
    assert metrics["n_train"] + metrics["n_test"] == metrics["n_priced"]


def test_interval_holds_about_80_percent_of_held_out_prices(fitted: tuple) -> None:
    _, metrics, _, _ = fitted
    assert 0.7 <= metrics["interval_coverage"] <= 0.9


def test_drivers_sum_to_value_minus_reference(fitted: tuple) -> None:
    model, _, patents, quality = fitted
    one = patents.iloc[[7]]
    value, _, _ = model.estimate(quality, one)
    drivers = model.drivers(quality, one)
    assert {d["name"] for d in drivers} == set(model.input_names)
    total = sum(d["contribution"] for d in drivers)
    assert total == pytest.approx(value[0] - model.reference_value(), rel=1e-6, abs=1.0)
    sizes = [abs(d["contribution"]) for d in drivers]
    assert sizes == sorted(sizes, reverse=True)
    assert model.drivers(quality, one) == drivers


def test_more_claims_raise_the_value(fitted: tuple) -> None:
    model, _, patents, quality = fitted
    one = patents.iloc[[3]]
    few = quality.copy()
    many = quality.copy()
    few.loc[one["number"], "claims"] = 2
    many.loc[one["number"], "claims"] = 28
    assert model.estimate(many, one)[0][0] > model.estimate(few, one)[0][0]


def test_too_few_prices_is_a_clear_error() -> None:
    patents, quality = synthetic(60)
    patents["transaction_price"] = np.nan
    with pytest.raises(InvalidInput, match="too few patents with a transaction price"):
        fit_valuation(quality, patents)


def test_save_and_load_give_identical_values(fitted: tuple, tmp_path: Path) -> None:
    model, _, patents, quality = fitted
    version, path = save_model(model, tmp_path)
    again_version, again = load_model(path)
    assert again_version == version
    assert np.array_equal(again.estimate(quality, patents)[0], model.estimate(quality, patents)[0])


def test_tampered_estimator_file_is_refused(fitted: tuple, tmp_path: Path) -> None:
    model, _, _, _ = fitted
    _, path = save_model(model, tmp_path)
    pkl = path.with_suffix(".pkl")
    pkl.write_bytes(pkl.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match="hash"):
        load_model(path)
