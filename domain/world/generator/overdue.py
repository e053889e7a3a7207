"""Overdue payments to lenders: several before a default, fewer in a scare, rare otherwise."""

from __future__ import annotations

import numpy as np

from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import Firms, pick_lender
from domain.world.generator.events import EventBatch
from domain.world.generator.timeline import Ctx

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
