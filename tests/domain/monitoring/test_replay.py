"""Replaying events.jsonl: time order, scaled gaps, duplicates safe, bad lines reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from db.models import Event, OutboxMessage
from domain.monitoring.replay import replay_events
from tests.domain.monitoring.helpers import Portfolio


def write(path: Path, rows: list[Any]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    with (path / "events.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")


async def test_replay_in_time_order_with_scaled_gaps(portfolio: Portfolio, tmp_path: Path) -> None:
    a = portfolio.a.uscc
    write(tmp_path, [
        {"id": "e3", "uscc": a, "occurred_at": "2025-01-01T10:00:00+08:00", "type": "equity_frozen"},
        {"id": "e1", "uscc": a, "occurred_at": "2025-01-01T08:00:00+08:00",
         "type": "legal_rep_changed", "payload": {}},
        "{not json",
        {"id": "e2", "uscc": a, "occurred_at": "2025-01-01T09:00:00+08:00", "type": "bogus"},
        {"id": "e4", "uscc": a, "occurred_at": "2025-01-01T10:30:00", "type": "equity_frozen"},
    ])  # fmt: skip
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    progress: list[tuple[int, int]] = []
    report = await replay_events(
        tmp_path, speed=3600, sleep=sleep, progress=lambda d, n: progress.append((d, n))
    )
    assert (report.read, report.accepted, report.rejected) == (5, 2, 3)
    assert [p.split(":")[1] for p in report.problems] == ["3", "5", "4"]
    assert "unknown event type" in report.problems[2]
    assert await Event.all().order_by("id").values_list("event_id", flat=True) == ["e1", "e3"]
    assert slept == [1.0, 1.0]  # an hour, then another, at 3600x
    assert progress[-1] == (3, 3)
    assert "2 new" in report.summary() and "3 rejected" in report.summary()

    again = await replay_events(tmp_path)
    assert (again.accepted, again.duplicates, again.queued) == (0, 2, 0)
    assert await OutboxMessage.filter(topic="process_event").count() == 2


async def test_imported_events_never_processed_are_queued_once(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    from tests.domain.monitoring.helpers import T0

    await Event.create(event_id="imp-1", uscc=portfolio.a.uscc, occurred_at=T0,
                       type="equity_frozen", source="import")  # fmt: skip
    write(tmp_path, [{"id": "imp-1", "uscc": portfolio.a.uscc,
                      "occurred_at": T0.isoformat(), "type": "equity_frozen"}])  # fmt: skip
    first = await replay_events(tmp_path)
    second = await replay_events(tmp_path)
    assert (first.duplicates, first.queued, second.queued) == (1, 1, 0)
    assert await OutboxMessage.filter(topic="process_event", key="imp-1").count() == 1
