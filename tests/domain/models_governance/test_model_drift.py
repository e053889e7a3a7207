"""Population stability index and monthly AUC: pure functions on hand-made data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from domain.models_governance.performance import label_points, monthly_auc
from domain.monitoring.model_drift import drift_report, psi, reference_of, verdict


def test_same_population_is_stable_and_a_shifted_one_is_not() -> None:
    rng = np.random.default_rng(0)
    ref = reference_of(rng.normal(size=5000))
    same = psi(ref, rng.normal(size=5000))
    moved = psi(ref, rng.normal(loc=1.0, size=5000))
    assert same < 0.02
    assert moved > 0.25
    assert (verdict(same), verdict(moved)) == ("STABLE", "SHIFTED")


def test_psi_matches_the_textbook_formula_on_two_bins() -> None:
    ref = reference_of([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])  # edges [0...1]: shares 0.4 / 0.6
    value = psi(ref, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1])  # 0.8 / 0.2
    edges = ref["edges"]
    expected = (0.8 - 0.4) * np.log(0.8 / 0.4) + (0.2 - 0.6) * np.log(0.2 / 0.6)
    assert len(edges) >= 1
    assert value == pytest.approx(expected, rel=1e-6)


def test_missing_values_have_their_own_bin() -> None:
    ref = reference_of(list(range(100)))
    assert psi(ref, list(range(100))) == pytest.approx(0.0)
    half_missing = list(range(0, 100, 2)) + [None] * 50
    assert psi(ref, half_missing) > 0.25


def test_categorical_features_and_unseen_categories() -> None:
    ref = reference_of(["active"] * 90 + ["revoked"] * 10)
    assert ref["kind"] == "categorical"
    assert psi(ref, ["active"] * 90 + ["revoked"] * 10) == pytest.approx(0.0)
    assert psi(ref, ["active"] * 50 + ["liquidating"] * 50) > 0.25


def test_drift_report_raises_yellow_on_a_feature_shift_only() -> None:
    rng = np.random.default_rng(1)
    ref = {
        "score": reference_of(rng.normal(size=2000)),
        "features": {"a": reference_of(rng.normal(size=2000))},
    }
    stable = drift_report(
        ref, list(rng.normal(size=2000)), pd.DataFrame({"a": rng.normal(size=2000)})
    )
    shifted = drift_report(
        ref, list(rng.normal(size=2000)), pd.DataFrame({"a": rng.normal(2.0, size=2000)})
    )
    assert stable["level"] is None and stable["score_verdict"] == "STABLE"
    assert shifted["level"] == "YELLOW" and shifted["features"][0]["verdict"] == "SHIFTED"
    assert shifted["score_verdict"] == "STABLE"


def _outcomes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": ["a", "b", "c", "d"],
            "defaulted": [True, False, True, False],
            "as_of": [date(2024, 12, 31)] * 4,
            "default_date": [date(2024, 3, 1), None, date(2022, 6, 1), None],
        }
    )


def test_labels_only_matured_rows_and_drops_firms_already_in_default() -> None:
    points = pd.DataFrame(
        {
            "uscc": ["a", "b", "c", "a", "d"],
            "as_of": pd.to_datetime(
                ["2023-06-15", "2023-06-20", "2023-06-01", "2024-06-01", "2023-07-01"], utc=True
            ),
        }
    )
    labelled = label_points(points, _outcomes(), horizon_months=12)
    # c defaulted before it was scored; the 2024-06 row has not matured by 2024-12-31
    assert list(labelled.index) == [0, 1, 4]
    assert list(labelled["label"]) == [1, 0, 0]
    assert list(labelled["month"]) == ["2023-06", "2023-06", "2023-07"]


def test_monthly_auc_per_month_and_null_when_undefined() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    frame = pd.DataFrame(
        {"month": ["2023-01"] * 100 + ["2023-02"] * 100, "label": y,
         "risk": np.where(np.arange(200) < 100, y + rng.normal(0, 0.1, 200), rng.random(200))}
    )  # fmt: skip
    frame.loc[frame.index[-3:], "month"] = "2023-03"
    frame.loc[frame.index[-3:], "label"] = 0
    rows = {r["month"]: r for r in monthly_auc(frame)}
    assert rows["2023-01"]["auc"] == pytest.approx(1.0)
    assert 0.3 < rows["2023-02"]["auc"] < 0.7
    assert rows["2023-03"]["auc"] is None and rows["2023-03"]["n"] == 3
