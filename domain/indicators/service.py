"""Indicator snapshots: compute for many enterprises from the stored world and store them.

Thin I/O around `compute_indicators`: each chunk of enterprises is read with its neighbourhood
(`domain.indicators.slice.neighbourhood_frames`, never the whole world); values are stored as
JSON ({code: float | None}, None where not computable) with the registry version, one snapshot
per (enterprise, as_of).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
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
from domain.indicators.slice import neighbourhood_frames

CHUNK = 500  # ids per IN (...) clause and rows per INSERT
SNAPSHOT_CHUNK = 2_000  # enterprises computed together from their neighbourhoods


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


async def _enterprise_ids(usccs: Sequence[str]) -> dict[str, int]:
    wanted = list(dict.fromkeys(str(u) for u in usccs))
    pairs = []
    for i in range(0, len(wanted), CHUNK):
        pairs += await Enterprise.filter(uscc__in=wanted[i : i + CHUNK]).values_list("uscc", "id")
    return {str(u): int(i) for u, i in pairs}


async def _batches(usccs: Sequence[str] | None, size: int) -> AsyncIterator[dict[str, int]]:
    """The enterprises to compute, `size` at a time (all of them in id order when None)."""
    if usccs is not None:
        ids = await _enterprise_ids(usccs)
        unknown = sorted({str(u) for u in usccs} - set(ids))
        if unknown:
            raise InvalidInput(f"unknown enterprises: {', '.join(unknown[:5])}", field="usccs")
        items = list(ids.items())
        for i in range(0, len(items), size):
            yield dict(items[i : i + size])
        return
    after = 0
    while True:
        page = (
            await Enterprise.filter(id__gt=after)
            .order_by("id")
            .limit(size)
            .values_list("uscc", "id")
        )
        if not page:
            return
        yield {str(u): int(i) for u, i in page}
        after = int(page[-1][1])


async def compute_and_store_snapshots(
    *,
    as_of: datetime,
    usccs: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = SNAPSHOT_CHUNK,
) -> int:
    """Compute every indicator as of `as_of` for `usccs` (default: all enterprises) and store
    one snapshot each, replacing any earlier snapshot of the same enterprise and as_of;
    returns the number stored.

    Enterprises are taken `chunk` at a time, each chunk from its neighbourhood only (never the
    whole world), and stored in a transaction of its own; `progress(done, total)` follows.
    """
    when = _utc(as_of)
    total = len(set(usccs)) if usccs is not None else await Enterprise.all().count()
    stored = 0
    async for ids in _batches(usccs, chunk):
        stored += await _store_chunk(when, ids)
        if progress is not None:
            progress(stored, total)
    return stored


async def _store_chunk(when: datetime, ids: dict[str, int]) -> int:
    """Compute and store the snapshots of one chunk of enterprises (uscc -> id)."""
    firms = list(ids)
    frames = await neighbourhood_frames(firms, when)
    table = await asyncio.to_thread(compute_indicators, frames, when, firms)
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


async def latest_snapshot_row(
    enterprise_id: int, at_or_before: datetime | None = None
) -> IndicatorSnapshot | None:
    """The latest stored snapshot row of an enterprise (optionally at or before a moment): the
    one of the latest as_of, the last stored of them on a tie."""
    query = IndicatorSnapshot.filter(enterprise_id=enterprise_id)
    if at_or_before is not None:
        query = query.filter(as_of__lte=_utc(at_or_before))
    return await query.order_by("-as_of", "-id").first()


async def latest_snapshot(
    *, enterprise_id: int, at_or_before: datetime | None = None
) -> tuple[datetime, dict[str, float | None]] | None:
    """The latest stored snapshot of an enterprise (optionally at or before a moment)."""
    snap = await latest_snapshot_row(enterprise_id, at_or_before)
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
