"""Graph model against the tabular baselines on small synthetic worlds."""

from __future__ import annotations

import numpy as np
import pytest

from gnn import labels as labels_module
from gnn.errors import InvalidGraphInput
from gnn.evaluate import evaluate_world, paired_auc_gap
from gnn.features import enterprise_features
from gnn.labels import plan_split
from gnn.train import TrainOptions
from tests.gnn.worlds import synthetic_frames, tiny_frames

KEYS = {"auc_graph", "auc_tabular", "n_train", "n_test", "split"}


def test_time_split_plan() -> None:
    plan = plan_split(synthetic_frames(300, seed=1))
    assert plan.kind == "time"
    assert plan.test.describe() == {"as_of": "2025-01-01", "label_end": "2026-01-01"}
    assert plan.train[0].describe() == {"as_of": "2024-01-01", "label_end": "2025-01-01"}
    assert all(s.label_end <= plan.test.as_of for s in plan.train)


def test_mid_year_snapshots_only_while_defaults_are_few(monkeypatch: pytest.MonkeyPatch) -> None:
    frames = synthetic_frames(300, seed=1)
    few = plan_split(frames)
    assert [s.label_end for s in few.train] == [few.test.as_of] * 3  # the year, then two more
    assert len({s.as_of for s in few.train}) == 3
    when = frames.outcomes.loc[frames.outcomes["defaulted"].astype(bool), "default_date"]
    year = int(((when >= few.train[0].as_of) & (when < few.test.as_of)).sum())
    assert 3 <= year < labels_module.PLENTY_OF_DEFAULTS
    monkeypatch.setattr(labels_module, "PLENTY_OF_DEFAULTS", 3)
    plenty = plan_split(frames)
    assert [s.describe() for s in plenty.train] == [few.train[0].describe()]
    assert plenty.test == few.test
    assert plenty.note == f"{few.note}; no mid-year snapshots: {year} defaults in the training year"


def test_evaluate_reports_both_models_on_a_time_split() -> None:
    result = evaluate_world(synthetic_frames(300, seed=1), options=TrainOptions(epochs=30))
    assert KEYS <= set(result)
    assert result["split"]["kind"] == "time"
    assert 0.0 <= result["auc_graph"] <= 1.0
    assert 0.0 <= result["auc_tabular"] <= 1.0
    assert result["n_test"] > 0 and result["n_train"] > 0
    assert result["n_test_defaults"] > 0
    assert set(result["models"]) == {"logistic", "hgb", "hgb_agg", "graph", "served"}
    for m in result["models"].values():
        assert {"auc", "auprc", "precision_top1", "precision_top5", "brier"} <= set(m)
        assert sum(r["n"] for r in m["calibration"]) == result["n_test"]
    gap = result["gaps"]["served_vs_best_baseline"]["auc"]
    assert gap["ci95"][0] <= gap["gap"] <= gap["ci95"][1]
    sel = result["selection"]
    chosen = result["models"][sel["in_service"]]["auc"]
    assert chosen >= max(result["models"][k]["auc"] for k in ("logistic", "hgb", "hgb_agg"))


def test_undated_defaults_fall_back_to_a_stratified_split() -> None:
    frames = synthetic_frames(300, seed=2)
    frames.outcomes["default_date"] = (
        frames.outcomes["default_date"].iloc[0:0].reindex(frames.outcomes.index)
    )
    result = evaluate_world(frames, options=TrainOptions(epochs=20))
    assert result["split"]["kind"] == "stratified"
    assert "stratified" in result["split"]["note"]
    assert KEYS <= set(result)


def test_world_without_outcomes_is_refused() -> None:
    frames = tiny_frames()
    frames.outcomes = frames.outcomes.iloc[0:0]
    with pytest.raises(InvalidGraphInput, match="no outcomes"):
        evaluate_world(frames)


def test_paired_gap_interval_covers_the_gap() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.2).astype(float)
    good = y + rng.normal(scale=0.8, size=400)
    poor = y + rng.normal(scale=3.0, size=400)
    gap = paired_auc_gap(y, good, poor, rounds=100)
    assert gap is not None
    assert gap["gap"] > 0
    assert gap["ci95"][0] <= gap["gap"] <= gap["ci95"][1]
    assert paired_auc_gap(np.zeros(5), good[:5], poor[:5]) is None


def test_evaluate_with_provided_features() -> None:
    def provider(frames, as_of):  # type: ignore[no-untyped-def]
        full = enterprise_features(frames, as_of)
        return full[["age_years", "tax_rating", "fin_leverage", "ev_overdue_payment"]]

    result = evaluate_world(
        synthetic_frames(300, seed=1), options=TrainOptions(epochs=10), features=provider
    )
    assert result["features"] == "provided"
    assert KEYS <= set(result)
