"""Patent quality of a few patents, computed row by row, equals the pandas computation to the
last bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from db.frames import WorldFrames
from domain.indicators import patent_quality as pq
from domain.indicators.common import one_minus_hhi
from domain.indicators.patent_quality_small import one_minus_hhi_rows, small_enough
from domain.valuation.slice import patent_slice
from domain.world.frames import frames_from_rows
from domain.world.generator import generate_world

DATES = (
    pd.Timestamp("2019-06-30"),
    pd.Timestamp("2022-03-01 08:15"),
    pd.Timestamp("2024-11-15 10:30"),
    pd.Timestamp("2026-01-31"),
)


@pytest.fixture(scope="module")
def world() -> WorldFrames:
    return frames_from_rows(generate_world(enterprises=200, seed=5))


def _hhi_cases(seed: int, count: int = 300) -> list[tuple[list[object], list[object]]]:
    """Random keys and categories: grouped or interleaved, with missing values, 1-6 kinds."""
    rng = np.random.default_rng(seed)
    out: list[tuple[list[object], list[object]]] = []
    for _ in range(count):
        n = int(rng.integers(1, 30))
        keys: list[object] = [f"p{k}" for k in rng.integers(0, 4, n)]
        if rng.random() < 0.4:
            keys = sorted(keys, key=str)
        cats: list[object] = [f"C{c}" for c in rng.integers(0, int(rng.integers(1, 7)), n)]
        for i in rng.integers(0, n, int(rng.integers(0, 3))):
            if rng.random() < 0.5:
                cats[int(i)] = None
            else:
                keys[int(i)] = None
        out.append((keys, cats))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_minus_hhi_rows_equals_pandas_to_the_last_bit(seed: int) -> None:
    for keys, cats in _hhi_cases(seed):
        want = one_minus_hhi(pd.Series(keys, dtype=object), pd.Series(cats, dtype=object))
        got = one_minus_hhi_rows(keys, cats)
        assert list(got) == list(want.index)
        assert list(got.values()) == want.tolist()


def _slices(world: WorldFrames) -> list[list[str]]:
    """Patent numbers to value together: each firm's portfolio, pairs, and single patents
    (with citations, transfers, lapses, invalidations and court cases among them)."""
    pat = world.patents
    by_owner = pat.groupby(pat["owner"].astype(str))["number"].apply(list)
    out = [sorted(map(str, ns)) for ns in by_owner.to_numpy()[:40]]
    numbers = pat["number"].astype(str).tolist()
    rng = np.random.default_rng(11)
    out += [[numbers[int(i)]] for i in rng.integers(0, len(numbers), 40)]
    out += [[numbers[int(i)], numbers[int(j)]] for i, j in rng.integers(0, len(numbers), (20, 2))]
    events = world.events
    moved = events[events["type"].isin(pq.PATENT_EVENTS)]
    named = [pq.payload_number(p) for p in moved["payload"]]
    out += [[n] for n in dict.fromkeys(n for n in named if n is not None)][:60]
    cases = world.litigation_patents["number"].astype(str).unique().tolist()
    out += [[n] for n in cases[:30]]
    return out


@pytest.mark.parametrize("t", DATES)
def test_the_row_by_row_features_equal_the_pandas_ones(
    world: WorldFrames, t: pd.Timestamp, monkeypatch: pytest.MonkeyPatch
) -> None:
    cut = [patent_slice(world, numbers) for numbers in _slices(world)]
    assert all(small_enough(frames) for frames in cut)
    fast = [pq.patent_quality(frames, t) for frames in cut]
    monkeypatch.setattr(pq, "small_enough", lambda _frames: False)
    for frames, got in zip(cut, fast, strict=True):
        pd.testing.assert_frame_equal(got, pq.patent_quality(frames, t), check_exact=True)


def test_the_slices_cover_what_the_features_read(world: WorldFrames) -> None:
    """The slices above hold transfers after some dates, lapses, court cases and citations
    from several IPC subclasses, so every row-by-row helper is exercised."""
    cut = [patent_slice(world, numbers) for numbers in _slices(world)]
    kinds = {t for frames in cut for t in frames.events["type"]}
    assert {"patent_transferred", "patent_lapsed"} <= kinds
    assert any(len(frames.litigation_patents) for frames in cut)
    quality = [pq.patent_quality(frames, DATES[-1]) for frames in cut]
    assert any(q["generality"].between(0.01, 0.99).any() for q in quality)
    assert any(q["radicalness"].between(0.01, 0.99).any() for q in quality)


def test_large_frames_keep_the_pandas_path(world: WorldFrames) -> None:
    assert not small_enough(world)
