"""One firm's indicators, computed the plain way, equal the grouped (batch) computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from db.frames import WorldFrames
from domain.indicators import small
from domain.indicators.compute import compute_indicators
from domain.world.frames import frames_from_rows
from domain.world.generator import generate_world

DATES = (pd.Timestamp("2024-11-15 10:30"), pd.Timestamp("2026-01-31"))


@pytest.fixture(scope="module")
def world() -> WorldFrames:
    return frames_from_rows(generate_world(enterprises=200, seed=5))


def _firms(table: pd.DataFrame) -> list[str]:
    """Firms with litigation, patents, guarantee groups and circles, shareholders, suppliers,
    statements and tax records, distressed neighbours, and some plain ones."""
    kinds = [
        table["jud.any.all.all.count"] > 2,
        table["jud.def.all.lost.count"] > 0,
        table["ip.all.count"] > 5,
        table["ip.litigated.count"] > 0,
        table["net.guarantee.in_cycle"] > 0,
        table["net.guarantee.group_size"] > 2,
        table["net.shareholders.hhi"].notna(),
        table["net.suppliers.hhi"].notna(),
        table["net.nb.any.severe.share"] > 0,
        table["fin.annual.revenue_gap_tax"].notna(),
        table["ip.all.count"] == 0,
    ]
    picked: list[str] = []
    for mask in kinds:
        found = [str(u) for u in table.index[mask.to_numpy()]]
        assert found, "the generated world lacks a kind of firm the test needs"
        picked += found[:3]
    return list(dict.fromkeys(picked))


def _same(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    x, y = a.to_numpy(), b.to_numpy()
    same = (x == y) | (np.isnan(x) & np.isnan(y))
    return sorted({str(b.columns[j]) for _, j in np.argwhere(~same)})


@pytest.mark.parametrize("t", DATES)
def test_the_plain_path_gives_the_grouped_values(
    world: WorldFrames, t: pd.Timestamp, monkeypatch: pytest.MonkeyPatch
) -> None:
    firms = [*_firms(compute_indicators(world, DATES[-1])), "UNKNOWN-FIRM"]
    assert len(firms) >= 15
    plain = {f: compute_indicators(world, t, [f]) for f in firms}
    monkeypatch.setattr(small, "SMALL", -1)  # every block groups, as for a batch
    for firm in firms:
        grouped = compute_indicators(world, t, [firm])
        wrong = _same(plain[firm], grouped)
        assert not wrong, f"{firm}: {len(wrong)} indicators differ, e.g. {wrong[:5]}"
