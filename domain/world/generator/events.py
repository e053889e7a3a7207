"""Events: the batches each stage emits, and their assembly into events.jsonl."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.world.generator.arrays import F64, I64
from domain.world.generator.enterprises import Firms
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import Ctx

EVENT_TYPES = [
    "litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed", "equity_frozen",
    "legal_rep_changed", "shareholder_changed", "tax_arrears", "tax_rating_downgraded",
    "patent_lapsed", "patent_invalidated", "patent_transferred", "financial_decline",
    "overdue_payment", "business_abnormal", "deregistered",
]  # fmt: skip


@dataclass
class EventBatch:
    """Events of one type: the firm, the day offset and the payload of each."""

    type: str
    firm: I64
    day: F64
    payloads: list[dict[str, Any]]

    def __post_init__(self) -> None:
        if not (len(self.firm) == len(self.day) == len(self.payloads)):
            raise ValueError(f"{self.type}: firm, day and payloads differ in length")


def event_table(ctx: Ctx, firms: Firms, batches: list[EventBatch]) -> Table:
    """events.jsonl: every event inside the timeline, ordered by time; ids `<uscc>-<nnnn>` count
    each firm's events in time order, so they are unique and the same for the same world."""
    rng = ctx.rng("event-times")
    h = ctx.horizon
    firm_l: list[I64] = []
    day_l: list[F64] = []
    type_l: list[I64] = []
    payloads: list[dict[str, object]] = []
    for b in batches:
        inside = np.flatnonzero((b.day >= 0) & (b.day < h))
        firm_l.append(np.asarray(b.firm)[inside])
        day_l.append(np.floor(np.asarray(b.day)[inside]))
        type_l.append(np.full(len(inside), EVENT_TYPES.index(b.type)))
        payloads += [b.payloads[i] for i in inside.tolist()]
    firm = np.concatenate(firm_l) if firm_l else np.zeros(0, np.int64)
    day = np.concatenate(day_l) if day_l else np.zeros(0)
    kind = np.concatenate(type_l) if type_l else np.zeros(0, np.int64)
    # Office hours in China (01:00-10:00 UTC), to the second.
    seconds = day.astype(np.int64) * 86400 + rng.integers(3600, 36000, len(day))
    arrival = np.arange(len(day))
    order = np.lexsort((arrival, kind, seconds, firm))
    seq = np.empty(len(day), dtype=np.int64)
    f_sorted = firm[order]
    starts = (
        np.r_[0, np.flatnonzero(f_sorted[1:] != f_sorted[:-1]) + 1]
        if len(day)
        else np.zeros(0, np.int64)
    )
    counts = np.diff(np.r_[starts, len(day)])
    seq[order] = np.arange(len(day)) - np.repeat(starts, counts) + 1
    ids = [f"{firms.uscc[f]}-{s:04d}" for f, s in zip(firm.tolist(), seq.tolist(), strict=True)]
    when = np.datetime64(ctx.start.isoformat(), "s") + seconds
    final = np.lexsort((np.array(ids, dtype=object).astype(str), seconds)) if len(day) else arrival
    return table(
        Col("id", "str", ids),
        Col("uscc", "cat", firm, firms.uscc),
        Col("occurred_at", "ts", when),
        Col("type", "cat", kind, EVENT_TYPES),
        Col("payload", "json", payloads),
    ).take(np.asarray(final, dtype=np.int64))
