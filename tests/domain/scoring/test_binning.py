"""The binning engines: optbinning's optimal binning (default) and the quantile engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from domain.scoring.scorecard import Scorecard
from domain.scoring.train import FitOptions, fit_scorecard
from domain.scoring.woe import Binning, BinningError, BinningOptions, bin_feature

OPTIMAL = BinningOptions(prebins=10)
QUANTILE = BinningOptions(method="quantile", prebins=10)


def _risk_curve(n: int = 4000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n)
    y = (rng.random(n) < 0.03 + 0.04 * x).astype(int)
    return x, y


def test_optimal_bins_are_left_closed_and_labelled_so() -> None:
    x, y = _risk_curve()
    b = bin_feature("x", pd.Series(x), y, OPTIMAL)
    assert b.closed == "left"
    edge = b.edges[0]
    # a value exactly on an edge belongs to the bin above it, [edge, next)
    idx = b.bin_index(pd.Series([edge, np.nextafter(edge, -np.inf)]))
    assert idx.tolist() == [1, 0]
    assert b.label(0) == f"< {edge:.4g}"
    assert b.label(1).startswith(f"[{edge:.4g}, ")
    assert b.label(b.n_bins - 1).startswith(">= ")
    # the stored counts are the training rows per bin, as the edges assign them
    assert b.counts == np.bincount(b.bin_index(pd.Series(x)), minlength=b.n_bins).tolist()


def test_optimal_respects_size_event_and_bin_limits() -> None:
    x, y = _risk_curve()
    opts = BinningOptions(prebins=20, min_bin_share=0.1, max_bins=4, min_bin_events=30)
    b = bin_feature("x", pd.Series(x), y, opts)
    assert 2 <= b.n_bins <= 4
    assert min(b.counts) >= 0.1 * len(x)
    assert min(min(bd, c - bd) for c, bd in zip(b.counts, b.bads, strict=True)) >= 30
    rates = [bd / c for c, bd in zip(b.counts, b.bads, strict=True)]
    assert rates == sorted(rates)


def test_a_falling_risk_gets_falling_bad_rates() -> None:
    x, y = _risk_curve()
    b = bin_feature("x", pd.Series(-x), y, OPTIMAL)
    rates = [bd / c for c, bd in zip(b.counts, b.bads, strict=True)]
    assert rates == sorted(rates, reverse=True)
    assert b.woe == sorted(b.woe)


def test_special_codes_get_a_bin_of_their_own() -> None:
    # given 10 % of rows coded -999 ("not reported") with a 60 % bad rate, far above the rest
    x, y = _risk_curve()
    rng = np.random.default_rng(0)
    special = rng.random(len(x)) < 0.1
    x = np.where(special, -999.0, x)
    y = np.where(special, (rng.random(len(x)) < 0.6).astype(int), y)
    opts = BinningOptions(prebins=10, special_codes=(-999.0,))
    b = bin_feature("x", pd.Series(x), y, opts)
    # then -999 is kept out of the regular bins, with its own counts and a strongly negative WoE
    assert b.specials == [-999.0]
    assert b.special_count == int(special.sum())
    assert b.special_bads == int(y[special].sum())
    assert sum(b.counts) == len(x) - b.special_count
    assert b.special_woe < min(b.woe)
    assert b.transform(pd.Series([-999.0]))[0] == pytest.approx(b.special_woe)
    assert b.label(-3) == "special value (-999)"
    # and without the option the code is just the lowest value of the first bin
    plain = bin_feature("x", pd.Series(x), y, OPTIMAL)
    assert plain.specials == []
    assert plain.bin_index(pd.Series([-999.0]))[0] == 0


def test_a_handful_of_special_values_is_scored_neutral() -> None:
    x, y = _risk_curve()
    x[:10] = -1.0
    b = bin_feature("x", pd.Series(x), y, BinningOptions(special_codes=(-1.0,)))
    assert b.special_count == 10
    assert b.special_woe == 0.0


def test_special_bin_survives_the_model_file_and_shows_in_the_points_table() -> None:
    x, y = _risk_curve()
    rng = np.random.default_rng(1)
    x = np.where(rng.random(len(x)) < 0.1, -999.0, x)
    frame = pd.DataFrame({"x": x, "z": rng.normal(size=len(x))})
    opts = FitOptions(binning=BinningOptions(special_codes=(-999.0,)))
    card, _ = fit_scorecard(frame, y, options=opts)
    again = Scorecard.from_json(card.to_json())
    assert again.version == card.version
    probe = pd.DataFrame({"x": [-999.0, 0.5, 9.5, None]})
    assert np.allclose(again.probability(probe), card.probability(probe))
    rows = [r for r in card.points_table() if r["feature"] == "x"]
    assert rows[-1]["bin"] == "special value (-999)"
    assert rows[-1]["count"] == int((x == -999.0).sum())


def test_categories_without_rare_ones_score_unseen_values_neutral() -> None:
    cats = pd.Series(["a"] * 500 + ["b"] * 500)
    y = np.array([1] * 50 + [0] * 450 + [1] * 150 + [0] * 350)
    b = bin_feature("c", cats, y, OPTIMAL)
    assert b.other_bin is None
    assert b.transform(pd.Series(["zzz"]))[0] == 0.0
    assert b.label(int(b.bin_index(pd.Series(["zzz"]))[0])) == "unseen value"


def test_the_quantile_engine_is_still_available_and_right_closed() -> None:
    x, y = _risk_curve()
    b = bin_feature("x", pd.Series(x), y, QUANTILE)
    assert b.closed == "right"
    edge = b.edges[0]
    assert b.bin_index(pd.Series([edge]))[0] == 0
    assert b.label(0) == f"<= {edge:.4g}"
    # its tables are written exactly as before the optimal engine existed
    assert set(b.to_dict()) == {
        "feature", "kind", "woe", "counts", "bads", "missing_woe", "missing_count",
        "missing_bads", "iv", "edges", "groups", "other_bin",
    }  # fmt: skip


def test_unknown_method_is_refused() -> None:
    x, y = _risk_curve(200)
    with pytest.raises(ValueError, match="unknown binning method"):
        bin_feature("x", pd.Series(x), y, BinningOptions(method="magic"))


def test_impossible_constraints_reject_the_column_with_a_reason() -> None:
    # two bads in 200 rows cannot give a bin with at least 3 bads
    x = pd.Series(np.arange(200, dtype=float))
    y = np.zeros(200, dtype=int)
    y[[5, 150]] = 1
    with pytest.raises(BinningError, match="no binning meets the constraints"):
        bin_feature("x", x, y, OPTIMAL)


# a model file written before the optimal engine: right-closed bins, no special fields
LEGACY_CARD: dict[str, Any] = {
    "format": "ipcredit.scorecard/1",
    "binnings": [
        {
            "feature": "x",
            "kind": "numeric",
            "woe": [0.8, -0.1, -0.9],
            "counts": [300, 400, 300],
            "bads": [10, 40, 90],
            "missing_woe": 0.0,
            "missing_count": 0,
            "missing_bads": 0,
            "iv": 0.5,
            "edges": [2.0, 5.0],
            "groups": [],
            "other_bin": None,
        },
    ],  # fmt: skip
    "coefficients": [-1.0],
    "intercept": -2.0,
    "scaling": {"base_score": 600.0, "base_odds": 50.0, "pdo": 20.0},
    "grades": [["A", 0.05], ["B", 1.0]],
    "descriptions": {},
    "meta": {},
}
LEGACY_VERSION = "sc-77effd451bad1258"


def test_a_legacy_model_file_loads_unchanged_and_scores_right_closed() -> None:
    card = Scorecard.from_dict(LEGACY_CARD)
    # the content hash is unchanged, so the file's recorded version still matches
    assert Scorecard.from_dict({**LEGACY_CARD, "version": card.version}).version == card.version
    assert card.version == LEGACY_VERSION
    b = card.binnings[0]
    assert b.closed == "right"
    assert b.bin_index(pd.Series([2.0, 2.5, 5.0, 5.1])).tolist() == [0, 1, 1, 2]
    assert Binning.from_dict(b.to_dict()).to_dict() == LEGACY_CARD["binnings"][0]
