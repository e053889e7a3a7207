"""Valuation model on synthetic priced patents: accuracy, intervals, drivers, storage."""

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
def fitted() -> tuple[ValuationModel, dict, pd.DataFrame]:
    quality, prices = synthetic()
    model, metrics = fit_valuation(quality, prices, test_share=0.25, seed=1)
    return model, metrics, quality


def test_model_beats_the_naive_baseline(fitted: tuple) -> None:
    _, metrics, _ = fitted
    assert metrics["spearman"] > metrics["baseline_spearman"] + 0.1
    assert metrics["mdape"] < metrics["baseline_mdape"]
    assert metrics["n_train"] + metrics["n_test"] == metrics["n_priced"]


def test_interval_holds_about_80_percent_of_held_out_prices(fitted: tuple) -> None:
    _, metrics, _ = fitted
    assert 0.7 <= metrics["interval_coverage"] <= 0.9


def test_inputs_are_the_numeric_quality_columns_kind_and_section(fitted: tuple) -> None:
    model, _, _ = fitted
    assert "forward_citations" in model.features
    assert "kind_invention" not in model.features
    assert model.input_names[-2:] == ["kind", "ipc_section"]


def test_drivers_sum_to_value_minus_reference(fitted: tuple) -> None:
    model, _, quality = fitted
    one = quality.iloc[[7]]
    value, _, _ = model.estimate(one)
    drivers = model.drivers(one)
    assert {d["name"] for d in drivers} == set(model.input_names)
    total = sum(d["contribution"] for d in drivers)
    assert total == pytest.approx(value[0] - model.reference_value(), rel=1e-6, abs=1.0)
    sizes = [abs(d["contribution"]) for d in drivers]
    assert sizes == sorted(sizes, reverse=True)
    assert model.drivers(one) == drivers


def test_more_claims_raise_the_value(fitted: tuple) -> None:
    model, _, quality = fitted
    one = quality.iloc[[3]]
    few, many = one.copy(), one.copy()
    few["claims"] = 2.0
    many["claims"] = 28.0
    assert model.estimate(many)[0][0] > model.estimate(few)[0][0]


def test_too_few_prices_is_a_clear_error() -> None:
    quality, prices = synthetic(60)
    with pytest.raises(InvalidInput, match="too few patents with a transaction price"):
        fit_valuation(quality, prices * np.nan)


def test_save_and_load_give_identical_values(fitted: tuple, tmp_path: Path) -> None:
    model, _, quality = fitted
    version, path = save_model(model, tmp_path)
    again_version, again = load_model(path)
    assert again_version == version
    assert np.array_equal(again.estimate(quality)[0], model.estimate(quality)[0])


def test_tampered_estimator_file_is_refused(fitted: tuple, tmp_path: Path) -> None:
    model, _, _ = fitted
    _, path = save_model(model, tmp_path)
    pkl = path.with_suffix(".pkl")
    pkl.write_bytes(pkl.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match="hash"):
        load_model(path)
