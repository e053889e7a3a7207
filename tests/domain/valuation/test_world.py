"""Valuation on a generated world's priced patents, compared with the naive baseline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.valuation.service import fit_on_frames, quality_of
from domain.valuation.value import value_patents
from domain.world.frames import frames_from_rows
from domain.world.generator import generate_world

END = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world_fit() -> tuple:
    frames = frames_from_rows(generate_world(enterprises=600, seed=3))
    model, metrics, data_hash = fit_on_frames(frames, as_of=END)
    return frames, model, metrics, data_hash


def test_model_beats_the_baseline_on_held_out_prices(world_fit: tuple) -> None:
    _, _, metrics, _ = world_fit
    assert metrics["n_test"] >= 50
    assert metrics["spearman"] > metrics["baseline_spearman"] + 0.1
    assert metrics["mdape"] < metrics["baseline_mdape"]


def test_interval_coverage_is_near_80_percent(world_fit: tuple) -> None:
    _, _, metrics, _ = world_fit
    assert 0.65 <= metrics["interval_coverage"] <= 0.95


def test_dead_patents_have_no_pledge_value(world_fit: tuple) -> None:
    frames, model, _, _ = world_fit
    quality = quality_of(frames, END)
    out = value_patents(model, quality)
    dead = quality["is_in_force"] <= 0
    assert dead.any()
    assert (out.loc[dead, "pledge_value"] == 0).all()
    assert (out.loc[~dead & (quality["pledged"] <= 0), "pledge_value"] > 0).mean() > 0.8


def test_fit_is_reproducible(world_fit: tuple) -> None:
    frames, _, metrics, data_hash = world_fit
    _, again, again_hash = fit_on_frames(frames, as_of=END)
    assert again_hash == data_hash
    assert again["spearman"] == metrics["spearman"]
