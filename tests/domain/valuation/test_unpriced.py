"""Ranking unpriced patents on a world the model was not fitted on, against their true value."""

from __future__ import annotations

import numpy as np
import pytest

from bench.bench_valuation_quality import check_truth, fit_all, generate, score_world

ENTERPRISES = 500


@pytest.fixture(scope="module")
def scored() -> dict:
    train = generate(ENTERPRISES, seed=1, contagion=1.0)
    test = generate(ENTERPRISES, seed=2, contagion=0.0)
    check_truth(test)
    models, _ = fit_all(train)
    row, _ = score_world(models, test, draws=0, rng=np.random.default_rng(0))
    return row


def test_beats_a_plain_gradient_boosted_model_on_unpriced_inventions(scored: dict) -> None:
    assert scored["patents"] >= 1000
    assert scored["ours"] > scored["plain_gbm"] + 0.05
    assert scored["ours"] > scored["plain_gbm_our_inputs"] + 0.03


def test_the_rebuilt_true_value_matches_the_generators_prices() -> None:
    world = generate(300, seed=5, contagion=2.5)
    mean, spread = check_truth(world)
    assert abs(mean) < 0.1 and 0.45 < spread < 0.65
