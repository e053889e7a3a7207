"""Overdue payments, and the assembly of every stage's events into events.jsonl; outcomes."""

from __future__ import annotations

import numpy as np

from domain.world.gen_common import F64, I64, Ctx, EventBatch
from domain.world.gen_defaults import Defaults
from domain.world.gen_enterprises import Firms, pick_lender
from domain.world.gen_io import Col, Table, table

EVENT_TYPES = [
    "litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed", "equity_frozen",
    "legal_rep_changed", "shareholder_changed", "tax_arrears", "tax_rating_downgraded",
    "patent_lapsed", "patent_invalidated", "patent_transferred", "financial_decline",
    "overdue_payment", "business_abnormal", "deregistered",
]  # fmt: skip
OVERDUE_RATE = 0.015  # yearly, outside trouble


def overdue_events(ctx: Ctx, firms: Firms, defaults: Defaults) -> list[EventBatch]:
    """Late payments to lenders: several before a default, fewer in a scare, rare otherwise."""
    rng = ctx.rng("overdue")
    n, h = firms.n, ctx.horizon
    k = np.select(
        [np.isin(defaults.cause, (1, 2)), defaults.cause == 3],
        [rng.poisson(2.2, n), rng.poisson(1.0, n)],
        rng.poisson(OVERDUE_RATE * h / 365.25, n),
    )
    k[firms.lender] = 0
    firm = np.repeat(np.arange(n), k)
    troubled = defaults.cause[firm] > 0
    a = defaults.distress_from[firm]
    b = defaults.distress_to[firm] + 15
    day = np.where(troubled, np.floor(a + rng.random(len(firm)) * (b - a)),
                   np.floor(rng.random(len(firm)) * h))  # fmt: skip
    keep = (day >= 0) & (day < h)
    firm, day = firm[keep], day[keep]
    creditor = pick_lender(rng, firms, firms.city[firm])
    amount = np.round(firms.employees[firm] * 2e4 * np.exp(rng.standard_normal(len(firm))), 2)
    overdue = rng.choice([30, 60, 90, 180], len(firm), p=[0.45, 0.3, 0.15, 0.1])
    payloads = [
        {"amount": a_, "days_overdue": d_, "creditor": firms.uscc[c_]}
        for a_, d_, c_ in zip(amount.tolist(), overdue.tolist(), creditor.tolist(), strict=True)
    ]
    return [EventBatch("overdue_payment", firm, day.astype(np.float64), payloads)]


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


def outcome_table(ctx: Ctx, firms: Firms, defaults: Defaults) -> Table:
    """outcomes.jsonl: one row per enterprise, defaulted during [S, E) or not."""
    end = np.datetime64(ctx.end.isoformat(), "D")
    return table(
        Col("uscc", "str", firms.uscc),
        Col("defaulted", "bool", defaults.defaulted),
        Col("as_of", "date", np.full(firms.n, end)),
        Col("default_date", "date", ctx.dates(defaults.day)),
    )
