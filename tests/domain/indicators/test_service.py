"""Snapshots: computed from the stored world, stored in bulk, replaced, read back."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from db.frames import load_frames
from db.models import Enterprise, IndicatorSnapshot
from domain.errors import InvalidInput
from domain.indicators.compute import compute_indicators
from domain.indicators.registry import codes, version
from domain.indicators.service import (
    compute_and_store_snapshots,
    enterprise_indicators,
    indicator_definitions,
    indicator_readings,
    latest_snapshot,
)
from domain.world.generator import generate_world
from domain.world.importer import import_world_rows

T = datetime(2025, 1, 1, tzinfo=UTC)
LATER = datetime(2025, 7, 1, tzinfo=UTC)


async def test_store_replace_and_read(db: str) -> None:
    await import_world_rows(generate_world(enterprises=25, seed=2))
    assert await compute_and_store_snapshots(as_of=T) == 25
    assert await IndicatorSnapshot.all().count() == 25
    # same enterprise and as_of: replaced, not duplicated
    assert await compute_and_store_snapshots(as_of=T) == 25
    assert await IndicatorSnapshot.all().count() == 25
    ent = await Enterprise.all().order_by("id").first()
    assert ent is not None
    assert await compute_and_store_snapshots(as_of=LATER, usccs=[ent.uscc]) == 1
    assert await IndicatorSnapshot.all().count() == 26

    snap = await IndicatorSnapshot.get(enterprise_id=ent.id, as_of=T)
    assert snap.registry_version == version()
    assert sorted(snap.values) == sorted(codes())
    expected = compute_indicators(await load_frames(), T, usccs=[ent.uscc]).iloc[0]
    for code in ("reg.age_years", "ip.all.count", "jud.any.all.all.count", "fin.annual.leverage"):
        got = snap.values[code]
        want = float(expected[code])
        assert (got is None and np.isnan(want)) or got == pytest.approx(want)

    latest = await latest_snapshot(enterprise_id=ent.id)
    assert latest is not None and latest[0] == LATER
    earlier = await latest_snapshot(enterprise_id=ent.id, at_or_before=datetime(2025, 6, 1))
    assert earlier is not None and earlier[0] == T
    assert earlier[1]["reg.age_years"] == snap.values["reg.age_years"]
    assert await latest_snapshot(enterprise_id=ent.id, at_or_before=datetime(2024, 1, 1)) is None

    ip = await enterprise_indicators(enterprise_id=ent.id, category="ip")
    assert len(ip) == len(indicator_definitions(category="ip")) >= 100
    assert all(d.category == "ip" and when == LATER for d, _, when in ip)
    assert await enterprise_indicators(enterprise_id=-1) == []


async def test_unknown_enterprise_or_category(db: str) -> None:
    with pytest.raises(InvalidInput):
        await compute_and_store_snapshots(as_of=T, usccs=["NOT-A-FIRM"])
    with pytest.raises(InvalidInput):
        indicator_definitions(category="weather")
    with pytest.raises(InvalidInput):
        await enterprise_indicators(enterprise_id=-1, category="weather")
    assert await compute_and_store_snapshots(as_of=T) == 0


def test_readings_follow_the_registry_and_leave_missing_codes_empty() -> None:
    registry = indicator_definitions(category="tax")
    stored = {registry[0].code: 3, registry[-1].code: None, "retired.code": 1.0}
    readings = indicator_readings(values=stored, as_of=T, category="tax")
    assert [d for d, _, _ in readings] == registry
    assert readings[0][1:] == (3.0, T) and isinstance(readings[0][1], float)
    assert all(value is None for _, value, _ in readings[1:])
    assert len(indicator_readings(values={}, as_of=T)) == len(codes())
    with pytest.raises(InvalidInput):
        indicator_readings(values={}, as_of=T, category="weather")
