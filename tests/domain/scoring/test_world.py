"""The scorecard on a generated world: time split, and the stratified fallback."""

from __future__ import annotations

import pandas as pd
import pytest

from db.frames import WorldFrames
from domain.errors import InvalidInput
from domain.scoring.fit import fit_from_world
from domain.world.frames import frames_from_rows
from domain.world.generator import generate_world


@pytest.fixture(scope="module")
def frames() -> WorldFrames:
    return frames_from_rows(generate_world(enterprises=1000, seed=1))


def test_time_split_fit_reports_honest_metrics(frames: WorldFrames) -> None:
    card, metrics = fit_from_world(frames)
    assert metrics["split"] == "time"
    assert metrics["train_as_of"] == "2024-01-01"
    assert metrics["test_as_of"] == "2025-01-01"
    assert metrics["n_train"] == len(frames.outcomes)
    defaulted_first_year = (frames.outcomes["default_date"] < pd.Timestamp("2025-01-01")).sum()
    assert metrics["n_test"] == len(frames.outcomes) - defaulted_first_year
    assert metrics["auc"] > 0.6
    assert metrics["gini"] == pytest.approx(2 * metrics["auc"] - 1)
    assert 1 <= len(card.features) <= 15
    # reasons speak the indicator registry's language
    assert all(card.descriptions.get(f) for f in card.features)


def test_without_default_dates_a_stratified_hold_out_is_used(frames: WorldFrames) -> None:
    undated = WorldFrames(**{n: getattr(frames, n) for n in frames.names()})
    undated.outcomes = frames.outcomes.assign(
        default_date=pd.Series(pd.NaT, index=frames.outcomes.index)
    )
    _, metrics = fit_from_world(undated)
    assert metrics["split"] == "stratified"
    assert metrics["note"] == "outcomes carry no default dates"
    assert metrics["n_test"] == pytest.approx(0.3 * len(frames.outcomes), abs=1)


def test_a_world_without_outcomes_is_refused(frames: WorldFrames) -> None:
    empty = WorldFrames(**{n: getattr(frames, n) for n in frames.names()})
    empty.outcomes = frames.outcomes.iloc[0:0]
    with pytest.raises(InvalidInput, match="no outcomes"):
        fit_from_world(empty)


def test_a_training_date_without_a_test_period_is_refused(frames: WorldFrames) -> None:
    from datetime import date

    with pytest.raises(InvalidInput, match="no test period"):
        fit_from_world(frames, as_of_train=date(2025, 6, 1))
