"""An enterprise's indicator history: the values of its last snapshots, for trends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.models import IndicatorSnapshot
from domain.errors import InvalidInput
from domain.indicators.registry import IndicatorDefinition
from domain.indicators.service import indicator_definitions

MAX_POINTS = 60  # snapshots per enterprise one read returns at most
MAX_CODES = 50  # indicators one read names at most


@dataclass(frozen=True)
class IndicatorPoint:
    """An indicator's value as of one snapshot (None where it could not be computed)."""

    as_of: datetime
    value: float | None


@dataclass(frozen=True)
class IndicatorSeries:
    """One indicator's values in an enterprise's last snapshots, oldest first (None where a
    snapshot could not compute it or predates the indicator)."""

    definition: IndicatorDefinition
    points: list[IndicatorPoint]


def history_definitions(
    *, codes: Sequence[str] | None, category: str | None
) -> list[IndicatorDefinition]:
    """The indicators a history read asks for: the named codes (in the order given), else
    those of `category`, else every indicator; unknown codes are refused."""
    chosen = indicator_definitions(category=category)
    if codes is None:
        return chosen
    if not codes or len(codes) > MAX_CODES:
        raise InvalidInput(f"name 1 to {MAX_CODES} indicator codes", field="codes")
    by_code = {d.code: d for d in chosen}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise InvalidInput(f"unknown indicator codes: {', '.join(unknown[:5])}", field="codes")
    return [by_code[c] for c in dict.fromkeys(codes)]


def check_points(last: int) -> int:
    """How many snapshots a history read may ask for: 1 to MAX_POINTS."""
    if not 1 <= last <= MAX_POINTS:
        raise InvalidInput(f"last must be between 1 and {MAX_POINTS}", field="last")
    return last


async def snapshot_histories(
    enterprise_ids: Sequence[int], *, last: int
) -> dict[int, list[IndicatorSnapshot]]:
    """The `last` newest snapshots of each enterprise, oldest first, in two queries: the
    keys and times of every snapshot (no values), then the values of the chosen ones."""
    heads = await IndicatorSnapshot.filter(enterprise_id__in=list(set(enterprise_ids))).values_list(
        "id", "enterprise_id", "as_of"
    )
    newest: dict[int, list[tuple[datetime, int]]] = {}
    for key, enterprise_id, as_of in heads:
        newest.setdefault(enterprise_id, []).append((as_of, key))
    chosen = {
        enterprise_id: [key for _, key in sorted(rows)[-last:]]
        for enterprise_id, rows in newest.items()
    }
    wanted = [key for keys in chosen.values() for key in keys]
    rows = {r.id: r for r in await IndicatorSnapshot.filter(id__in=wanted)} if wanted else {}
    return {
        enterprise_id: [rows[key] for key in keys if key in rows]
        for enterprise_id, keys in chosen.items()
    }


def series(
    snapshots: Sequence[IndicatorSnapshot], definitions: Sequence[IndicatorDefinition]
) -> list[IndicatorSeries]:
    """Each definition's values across `snapshots` (oldest first)."""
    result = []
    for d in definitions:
        points = []
        for snapshot in snapshots:
            value = snapshot.values.get(d.code)
            points.append(IndicatorPoint(snapshot.as_of, None if value is None else float(value)))
        result.append(IndicatorSeries(definition=d, points=points))
    return result
