"""The small-input sums add exactly as pandas' groupby does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domain.indicators.small import group_sums, one_group_mean, one_group_sum


def _cases(seed: int, count: int = 400) -> list[tuple[list[str], list[float]]]:
    """Random keys and values: sorted or not, with and without missing values, wide scales."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.integers(1, 40))
        values = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 9, n)
        if rng.random() < 0.3:
            values[rng.integers(0, n, 2)] = np.nan
        keys = rng.integers(0, 4, n)
        if rng.random() < 0.5:
            keys = np.sort(keys)
        out.append(([f"k{k}" for k in keys], values.tolist()))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_group_sums_equal_pandas_to_the_last_bit(seed: int) -> None:
    for keys, values in _cases(seed):
        want = pd.Series(values).groupby(keys).sum()
        got = group_sums(keys, values)
        assert set(got) == set(want.index)
        assert [got[k] for k in want.index] == want.tolist()


@pytest.mark.parametrize("seed", [4, 5])
def test_one_group_sum_and_mean_equal_pandas(seed: int) -> None:
    for _, values in _cases(seed):
        one = ["firm"] * len(values)
        assert one_group_sum(values) == pd.Series(values).groupby(one).sum().iloc[0]
        want = pd.Series(values).groupby(one).mean().iloc[0]
        got = one_group_mean(values)
        assert got == want or (np.isnan(got) and np.isnan(want))


def test_empty_and_all_missing() -> None:
    assert one_group_sum([]) == 0.0
    assert one_group_sum([float("nan")]) == 0.0
    assert np.isnan(one_group_mean([float("nan")]))
