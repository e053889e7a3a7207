"""Indicator snapshots: compute for many enterprises from the stored world and store them.

Thin I/O around `compute_indicators`: the world is read through `db.frames.load_frames()`,
values are stored as JSON ({code: float | None}, None where not computable) with the registry
version, one snapshot per (enterprise, as_of).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from tortoise.transactions import in_transaction

from db.models import Enterprise, IndicatorSnapshot
from domain.errors import InvalidInput
from domain.indicators.compute import compute_indicators
from domain.indicators.registry import CATEGORIES, IndicatorDefinition, definitions
from domain.indicators.registry import version as registry_version

CHUNK = 500  # ids per IN (...) clause and rows per INSERT


def _utc(when: datetime) -> datetime:
    """`when` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def snapshot_values(table: pd.DataFrame) -> list[dict[str, float | None]]:
    """Each row of an indicator table as {code: value}, None for NaN."""
    codes = [str(c) for c in table.columns]
    data = table.to_numpy(dtype=np.float64)
    out: list[dict[str, float | None]] = []
    for row in data:
        values: list[float | None] = row.tolist()
        out.append(
            {c: (None if v != v else v) for c, v in zip(codes, values, strict=True)}  # NaN
        )
    return out


async def _enterprise_ids(usccs: Sequence[str] | None) -> dict[str, int]:
    if usccs is None:
        pairs = await Enterprise.all().values_list("uscc", "id")
    else:
        wanted = list(dict.fromkeys(str(u) for u in usccs))
        pairs = []
        for i in range(0, len(wanted), CHUNK):
            pairs += await Enterprise.filter(uscc__in=wanted[i : i + CHUNK]).values_list(
                "uscc", "id"
            )
    return {str(u): int(i) for u, i in pairs}


async def compute_and_store_snapshots(
    *, as_of: datetime, usccs: Sequence[str] | None = None
) -> int:
    """Compute every indicator as of `as_of` for `usccs` (default: all enterprises) and store
    one snapshot each, replacing any earlier snapshot of the same enterprise and as_of;
    returns the number stored."""
    from db.frames import load_frames

    when = _utc(as_of)
    ids = await _enterprise_ids(usccs)
    if usccs is not None:
        unknown = sorted({str(u) for u in usccs} - set(ids))
        if unknown:
            raise InvalidInput(f"unknown enterprises: {', '.join(unknown[:5])}", field="usccs")
    if not ids:
        return 0
    frames = await load_frames()
    table = await asyncio.to_thread(compute_indicators, frames, when, list(ids))
    version = registry_version()
    rows = [
        IndicatorSnapshot(
            enterprise_id=ids[str(u)], as_of=when, values=values, registry_version=version
        )
        for u, values in zip(table.index, snapshot_values(table), strict=True)
    ]
    enterprise_ids = [r.enterprise_id for r in rows]
    async with in_transaction():
        for i in range(0, len(enterprise_ids), CHUNK):
            await IndicatorSnapshot.filter(
                as_of=when, enterprise_id__in=enterprise_ids[i : i + CHUNK]
            ).delete()
        await IndicatorSnapshot.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


async def latest_snapshot(
    *, enterprise_id: int, at_or_before: datetime | None = None
) -> tuple[datetime, dict[str, float | None]] | None:
    """The latest stored snapshot of an enterprise (optionally at or before a moment)."""
    query = IndicatorSnapshot.filter(enterprise_id=enterprise_id)
    if at_or_before is not None:
        query = query.filter(as_of__lte=_utc(at_or_before))
    snap = await query.order_by("-as_of", "-id").first()
    if snap is None:
        return None
    values: dict[str, Any] = dict(snap.values)
    return _utc(snap.as_of), {str(k): (None if v is None else float(v)) for k, v in values.items()}


def indicator_definitions(*, category: str | None = None) -> list[IndicatorDefinition]:
    """Registered definitions, optionally of one category, in registry order."""
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(
            f"unknown category {category!r}; one of {', '.join(CATEGORIES)}", field="category"
        )
    return [d for d in definitions() if category is None or d.category == category]


def indicator_readings(
    *, values: Mapping[str, Any], as_of: datetime, category: str | None = None
) -> list[tuple[IndicatorDefinition, float | None, datetime]]:
    """(definition, value, as_of) of stored values, in registry order; None for a missing code."""
    readings: list[tuple[IndicatorDefinition, float | None, datetime]] = []
    for d in indicator_definitions(category=category):
        value = values.get(d.code)
        readings.append((d, None if value is None else float(value), as_of))
    return readings


async def enterprise_indicators(
    *, enterprise_id: int, category: str | None = None
) -> list[tuple[IndicatorDefinition, float | None, datetime]]:
    """(definition, value, as_of) of an enterprise's latest snapshot, in registry order;
    empty when it has no snapshot; None for a code the snapshot lacks (older registry)."""
    # an unknown category is refused before reading, whether or not there is a snapshot
    indicator_definitions(category=category)
    latest = await latest_snapshot(enterprise_id=enterprise_id)
    if latest is None:
        return []
    when, values = latest
    return indicator_readings(values=values, as_of=when, category=category)
