"""Weight-of-evidence binning on hand-made data with known event rates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from domain.scoring.woe import BinningError, BinningOptions, bin_feature, classify

OPTS = BinningOptions(prebins=10, min_bin_share=0.05, max_bins=8)


def _blocks(spec: list[tuple[object, int, int]]) -> tuple[pd.Series, np.ndarray]:
    """Rows from (value, count, bads) blocks."""
    values: list[object] = []
    y: list[int] = []
    for value, n, bads in spec:
        values += [value] * n
        y += [1] * bads + [0] * (n - bads)
    return pd.Series(values), np.asarray(y)


def test_woe_matches_hand_computation_for_two_clean_bins() -> None:
    # given two values with bad rates 10 % and 40 %
    x, y = _blocks([(1.0, 100, 10), (2.0, 100, 40)])
    # when binned
    b = bin_feature("x", x, y, OPTS)
    # then two bins with smoothed WoE = ln(dist_good / dist_bad)
    assert b.counts == [100, 100]
    assert b.bads == [10, 40]
    good, bad = 150.0, 50.0
    expected = [
        math.log(((90 + 0.5) / (good + 1.0)) / ((10 + 0.5) / (bad + 1.0))),
        math.log(((60 + 0.5) / (good + 1.0)) / ((40 + 0.5) / (bad + 1.0))),
    ]
    assert b.woe == pytest.approx(expected)
    assert b.woe[0] > 0 > b.woe[1]
    assert b.iv > 0.3


def test_numeric_bins_are_monotonic_in_bad_rate() -> None:
    # given a noisy rising risk curve
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 10, 5000)
    y = (rng.random(5000) < 0.02 + 0.03 * x + 0.05 * np.sin(3 * x)).astype(int)
    # when binned
    b = bin_feature("x", pd.Series(x), y, OPTS)
    rates = [bd / c for bd, c in zip(b.bads, b.counts, strict=True)]
    # then the bad rate only rises, bins are big enough and WoE falls
    assert rates == sorted(rates)
    assert min(b.counts) >= 0.05 * 5000
    assert b.woe == sorted(b.woe, reverse=True)
    assert 2 <= b.n_bins <= 8


def test_missing_values_get_their_own_bin() -> None:
    # given 30 % missing values with a bad rate of 50 %, others 10 %
    x, y = _blocks([(1.0, 350, 35), (2.0, 350, 35), (None, 300, 150)])
    b = bin_feature("x", x, y, OPTS)
    assert b.missing_count == 300
    assert b.missing_bads == 150
    assert b.missing_woe < b.woe[0]
    woe = b.transform(pd.Series([np.nan, 1.0, "n/a"]))
    assert woe[0] == pytest.approx(b.missing_woe)
    assert woe[2] == pytest.approx(b.missing_woe)


def test_a_handful_of_missing_values_is_scored_neutral() -> None:
    x, y = _blocks([(1.0, 500, 50), (2.0, 495, 150), (None, 5, 5)])
    b = bin_feature("x", x, y, OPTS)
    assert b.missing_count == 5
    assert b.missing_woe == 0.0


def test_categorical_rare_categories_share_the_other_bin() -> None:
    # given three frequent categories and two rare ones (1 % each)
    x, y = _blocks([("a", 400, 20), ("b", 300, 60), ("c", 280, 84), ("r1", 10, 5), ("r2", 10, 5)])
    b = bin_feature("x", x, y, OPTS)
    assert b.kind == "categorical"
    assert b.other_bin is not None
    other = b.groups[b.other_bin]
    assert "r1" in other
    assert "r2" in other
    # an unseen category is scored like the rare ones
    w = b.transform(pd.Series(["zzz", "r1", "a"]))
    assert w[0] == w[1]
    assert w[2] == pytest.approx(b.woe[b.groups.index(["a"])])


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (pd.Series([5.0] * 50), "constant"),
        (pd.Series([None] * 50, dtype=object), "no values"),
        (pd.Series([f"id-{i}" for i in range(500)]), "distinct text values"),
    ],
)
def test_unusable_columns_are_rejected_with_a_reason(values: pd.Series, reason: str) -> None:
    y = np.arange(len(values)) % 2
    with pytest.raises(BinningError, match=reason):
        bin_feature("x", values, y, OPTS)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (pd.Series([1, 2, 3, 4]), "numeric"),
        (pd.Series(["1", "2", "3.5", "4"]), "numeric"),
        (pd.Series(["a", "b", "a", "b"]), "categorical"),
        (pd.Series([True, False, True, False]), "categorical"),
    ],
)
def test_column_kind_detection(values: pd.Series, kind: str) -> None:
    assert classify(values, OPTS) == kind


def test_round_trip_through_dict_keeps_transform() -> None:
    x, y = _blocks([(1.0, 100, 10), (2.0, 100, 40), (None, 50, 25)])
    b = bin_feature("x", x, y, OPTS)
    from domain.scoring.woe import Binning

    again = Binning.from_dict(b.to_dict())
    probe = pd.Series([0.5, 1.5, 3.0, None])
    assert np.array_equal(again.transform(probe), b.transform(probe))
