"""Scorecard fitting, points scaling, reasons and serialisation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from domain.scoring.metrics import classification_metrics
from domain.scoring.scorecard import Scaling, Scorecard
from domain.scoring.train import fit_scorecard


def synthetic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A logistic world: two numeric drivers, one categorical, noise and junk columns."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    x3 = rng.choice(list("abcd"), size=n, p=[0.4, 0.3, 0.2, 0.1])
    effect = pd.Series(x3).map({"a": -0.5, "b": 0.0, "c": 0.5, "d": 1.0}).to_numpy()
    p = 1.0 / (1.0 + np.exp(-(-2.5 + 1.0 * x1 - 0.7 * x2 + effect)))
    y = (rng.random(n) < p).astype(int)
    df = pd.DataFrame({"debt": x1, "cash": x2, "sector": x3, "noise": rng.normal(size=n)})
    return df, y, p


@pytest.fixture(scope="module")
def fitted() -> tuple[Scorecard, pd.DataFrame, np.ndarray, np.ndarray]:
    df, y, p = synthetic(6000, seed=3)
    card, _ = fit_scorecard(df.iloc[:4000], y[:4000], descriptions={"debt": "Debt ratio"})
    return card, df.iloc[4000:], y[4000:], p[4000:]


def test_auc_close_to_the_true_model(fitted: tuple) -> None:
    card, x_te, y_te, p_te = fitted
    got = classification_metrics(y_te, card.probability(x_te))["auc"]
    truth = classification_metrics(y_te, p_te)["auc"]
    assert got > truth - 0.03
    assert set(card.features) == {"debt", "cash", "sector"}


def test_score_is_exactly_the_scaled_log_odds(fitted: tuple) -> None:
    card, x_te, _, _ = fitted
    out = card.score(x_te.iloc[:50])
    s = card.scaling
    factor = 20 / math.log(2)
    expected = 600 - factor * math.log(50) + factor * np.log((1 - out["pd"]) / out["pd"])
    assert np.allclose(out["points"], expected, atol=1e-9)
    assert (out["score"] == np.rint(out["points"])).all()
    # 20 points double the odds; 600 means 50:1
    assert s.score_of_pd(1 / 51) == pytest.approx(600.0)
    assert s.score_of_pd(1 / 101) == pytest.approx(620.0, abs=0.03)
    assert s.pd_of_score(600.0) == pytest.approx(1 / 51)


def test_grades_fall_as_probability_of_default_rises(fitted: tuple) -> None:
    card, x_te, _, _ = fitted
    out = card.score(x_te).sort_values("pd")
    ranks = {g: i for i, (g, _) in enumerate(card.grades)}
    assert out["grade"].map(ranks).is_monotonic_increasing


def test_reasons_are_the_largest_point_shortfalls_in_order(fitted: tuple) -> None:
    card, x_te, _, _ = fitted
    out = card.score(x_te.iloc[:200])
    best = {b.feature: max(card.bin_points(i)) for i, b in enumerate(card.binnings)}
    for reasons in out["reasons"]:
        weights = [r["weight"] for r in reasons]
        assert weights == sorted(weights, reverse=True)
        assert all(w > 0 for w in weights)
        assert all(r["code"] in best for r in reasons)
    worst = out["reasons"][out["pd"].idxmax()]
    assert worst, "the riskiest applicant has reasons"
    debt = [r for r in out["reasons"].explode().dropna() if r["code"] == "debt"]
    assert debt
    assert debt[0]["description"].startswith("Debt ratio: ")


def test_reason_weight_is_points_below_the_best_bin() -> None:
    # given a one-feature card with hand-set bins
    from domain.scoring.woe import Binning

    b = Binning(
        "x",
        "numeric",
        woe=[1.0, 0.0, -1.0],
        counts=[10, 10, 10],
        bads=[1, 2, 3],
        missing_woe=0.0,
        missing_count=0,
        missing_bads=0,
        iv=0.5,
        edges=[1.0, 2.0],
    )
    card = Scorecard([b], coefficients=[-1.0], intercept=-3.0, scaling=Scaling())
    out = card.score(pd.DataFrame({"x": [0.5, 1.5, 5.0]}))
    factor = 20 / math.log(2)
    assert out["reasons"].iloc[0] == []
    assert out["reasons"].iloc[1][0]["weight"] == pytest.approx(round(factor, 2))
    assert out["reasons"].iloc[2][0]["weight"] == pytest.approx(round(2 * factor, 2))
    assert out["reasons"].iloc[2][0]["description"] == "x: > 2"


def test_json_round_trip_gives_identical_scores(fitted: tuple) -> None:
    card, x_te, _, _ = fitted
    again = Scorecard.from_json(card.to_json())
    assert again.version == card.version
    pd.testing.assert_frame_equal(again.score(x_te), card.score(x_te))


def test_altered_model_file_is_refused(fitted: tuple) -> None:
    card, _, _, _ = fitted
    data = card.to_dict()
    data["intercept"] += 0.1
    with pytest.raises(ValueError, match="altered"):
        Scorecard.from_dict(data)


def test_save_writes_the_file_atomically(fitted: tuple, tmp_path) -> None:
    card, x_te, _, _ = fitted
    path = tmp_path / "models" / "scorecard.json"
    card.save(path)
    assert Scorecard.load(path).version == card.version
    assert [p.name for p in path.parent.iterdir()] == ["scorecard.json"]


def test_unknown_columns_and_missing_features_still_score(fitted: tuple) -> None:
    card, _, _, _ = fitted
    out = card.score(pd.DataFrame({"other": [1, 2]}))
    assert out["pd"].between(0, 1).all()


def test_version_changes_with_content(fitted: tuple) -> None:
    card, _, _, _ = fitted
    other = Scorecard.from_dict(card.to_dict())
    other.scaling = Scaling(pdo=40.0)
    assert other.version != card.version
