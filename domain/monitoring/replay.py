"""Replaying a world's events.jsonl in time order through the normal ingest."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.accounts.principal import SYSTEM, Principal
from domain.errors import DomainError
from domain.monitoring.events import ingest_event, schedule_processing

MAX_REJECTS_KEPT = 100


@dataclass
class ReplayReport:
    """Counts of one replay, and the first rejected lines with their reasons."""

    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    queued: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def reject(self, where: str, reason: str) -> None:
        """Count a line that was not ingested."""
        self.rejected += 1
        if len(self.problems) < MAX_REJECTS_KEPT:
            self.problems.append(f"{where}: {reason}")

    def summary(self) -> str:
        """One line for the end of a command."""
        return (
            f"replayed {self.read} events in {self.seconds:.1f} s: {self.accepted} new, "
            f"{self.duplicates} already known ({self.queued} of them queued for processing), "
            f"{self.rejected} rejected"
        )


@dataclass(frozen=True)
class _Line:
    where: str
    at: datetime
    row: dict[str, Any]


def read_events(path: Path, report: ReplayReport) -> list[_Line]:
    """The events of a file, in time order (ties keep file order); bad lines are reported."""
    lines: list[_Line] = []
    with path.open(encoding="utf-8") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            where = f"{path.name}:{number}"
            report.read += 1
            try:
                row = json.loads(text)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
                at = datetime.fromisoformat(str(row["occurred_at"]))
                if at.tzinfo is None:
                    raise ValueError("occurred_at needs a time zone offset")
            except (ValueError, KeyError) as exc:
                report.reject(where, f"unreadable: {exc}")
                continue
            lines.append(_Line(where, at, row))
    lines.sort(key=lambda line: line.at)
    return lines


async def replay_events(
    directory: Path,
    *,
    speed: float = 0.0,
    principal: Principal = SYSTEM,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> ReplayReport:
    """Ingest every event of `directory/events.jsonl` in occurred_at order.

    With speed X > 0 the gaps between events are slept X times faster than they happened;
    speed 0 replays as fast as possible. Known ids change nothing, except that an imported
    event never processed is queued for processing.
    """
    if speed < 0:
        raise ValueError("speed must be 0 or more")
    report = ReplayReport()
    started = time.perf_counter()
    path = directory / "events.jsonl"
    lines = read_events(path, report)
    previous: datetime | None = None
    for done, line in enumerate(lines, start=1):
        if speed > 0 and previous is not None:
            gap = (line.at - previous).total_seconds() / speed
            if gap > 0:
                await sleep(gap)
        previous = line.at
        row = line.row
        try:
            result = await ingest_event(
                principal=principal,
                event_id=str(row.get("id", "")),
                uscc=str(row.get("uscc", "")),
                type=str(row.get("type", "")),
                occurred_at=line.at,
                payload=row.get("payload", {}),
                source="replay",
            )
        except DomainError as exc:
            report.reject(line.where, exc.message)
        else:
            if result.duplicate:
                report.duplicates += 1
                if await schedule_processing(event_id=result.event_id):
                    report.queued += 1
            else:
                report.accepted += 1
        if progress is not None:
            progress(done, len(lines))
    report.seconds = time.perf_counter() - started
    return report
