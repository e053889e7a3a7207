"""Tax records: yearly ratings, revenue declared, tax paid and arrears, read off each firm's books;
rating downgrades and tax arrears as events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.world.generator.arrays import F64, I64
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import Firms
from domain.world.generator.events import EventBatch
from domain.world.generator.financials import Books
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import NEVER, Ctx

RATINGS = ["A", "B", "M", "C", "D"]
RATING_RANK = np.array([0, 1, -1, 2, 3])  # M (new firm) is not ranked


@dataclass
class TaxYear:
    """One tax year of every firm (or of the firms at `take`'s rows)."""

    rating: I64  # index into RATINGS
    revenue: F64
    paid: F64
    arrears: F64

    def take(self, rows: I64) -> TaxYear:
        """The same year for the firms at `rows`."""
        return TaxYear(self.rating[rows], self.revenue[rows], self.paid[rows], self.arrears[rows])


def _tax_year(
    ctx: Ctx, rng: np.random.Generator, firms: Firms, defaults: Defaults, books: Books, y: int,
    cols: I64,
) -> TaxYear:  # fmt: skip
    """Rating, revenue, tax paid and arrears of every firm for year `y` (quarters `cols`)."""
    n = firms.n
    hy = books.health[:, cols].mean(axis=1)
    score = hy + 0.5 * rng.standard_normal(n)
    rating = np.select([score > 0.9, score > -0.9, score > -1.9], [0, 1, 3], 4)
    founded_year = ctx.years(firms.founded)
    rating = np.where(founded_year >= y - 1, 2, rating)
    year_end = ctx.day_of(np.array([y + 1]))[0] - 1
    in_default = defaults.day < year_end
    rating = np.where(in_default, np.where(rng.random(n) < 0.5, 4, 3), rating)
    revenue = np.where(books.exists[:, cols], books.fig["revenue"][:, cols], 0).sum(axis=1)
    revenue = np.round(revenue * rng.uniform(0.97, 1.03, n), 2)
    profit = np.where(books.exists[:, cols], books.fig["net_profit"][:, cols], 0).sum(axis=1)
    eff = (0.025 + 0.3 * np.clip(profit / np.maximum(revenue, 1), 0, 0.2)) * np.where(
        firms.high_tech, 0.7, 1.0
    )
    paid = np.round(revenue * eff, 2)
    trouble = (defaults.distress_from < year_end) & (defaults.distress_to > year_end - 365)
    owes = rng.random(n) < 0.01 + 0.45 * trouble
    arrears = np.where(owes, np.round(paid * rng.uniform(0.1, 0.8, n), 2), 0.0)
    return TaxYear(np.asarray(rating), revenue, paid, arrears)


def _downgrades(
    ctx: Ctx, rng: np.random.Generator, y: int, ok: Any, rating: I64, prev: I64
) -> tuple[I64, F64, list[dict[str, Any]]]:
    """Firms whose rating for `y` is worse than the year before, the day it is published (spring
    of the next year) and the event payloads."""
    pub = ctx.day_of(np.array([y + 1]), 4, 15)[0] + np.floor(rng.uniform(0, 45, len(rating)))
    worse = ok & (prev >= 0) & (RATING_RANK[rating] > RATING_RANK[np.maximum(prev, 0)])
    worse &= (RATING_RANK[rating] >= 0) & (RATING_RANK[np.maximum(prev, 0)] >= 0)
    worse &= (pub >= 0) & (pub < ctx.horizon)
    w = np.flatnonzero(worse)
    payloads = [{"year": y, "from": RATINGS[o], "rating": RATINGS[r]}
                for o, r in zip(prev[w].tolist(), rating[w].tolist(), strict=True)]  # fmt: skip
    return w, pub[w], payloads


def _tax_table(firms: Firms, firm: I64, year: I64, rows: list[TaxYear]) -> Table:
    """tax.jsonl rows per firm, in year order."""
    tab = table(
        Col("uscc", "cat", firm, firms.uscc),
        Col("year", "int", year),
        Col("rating", "cat", np.concatenate([r.rating for r in rows]), RATINGS),
        Col("revenue", "float", np.concatenate([r.revenue for r in rows])),
        Col("tax_paid", "float", np.concatenate([r.paid for r in rows])),
        Col("arrears", "float", np.concatenate([r.arrears for r in rows])),
    )
    return tab.take(np.lexsort((year, firm)))


def make_tax(
    ctx: Ctx, firms: Firms, defaults: Defaults, books: Books
) -> tuple[Table, list[EventBatch]]:
    """tax.jsonl (yearly ratings, revenue, tax paid, arrears) and the rating downgrades."""
    rng = ctx.rng("tax")
    years = [y for y in np.unique(books.q_year).tolist() if (books.q_year == y).sum() == 4]
    rows_f: list[I64] = []
    rows_y: list[I64] = []
    kept: list[TaxYear] = []
    prev = np.full(firms.n, -1)
    down_f: list[I64] = []
    down_d: list[F64] = []
    down_p: list[dict[str, Any]] = []
    for y in years:
        cols = np.flatnonzero(books.q_year == y)
        ok = books.exists[:, cols[-1]]
        year = _tax_year(ctx, rng, firms, defaults, books, y, cols)
        idx = np.flatnonzero(ok)
        rows_f.append(idx)
        rows_y.append(np.full(len(idx), y))
        kept.append(year.take(idx))
        w, day, payloads = _downgrades(ctx, rng, y, ok, year.rating, prev)
        down_f.append(w)
        down_d.append(day)
        down_p += payloads
        prev = np.where(ok, year.rating, prev)
    events = [
        EventBatch("tax_rating_downgraded", np.concatenate(down_f), np.concatenate(down_d), down_p)
    ]
    return _tax_table(firms, np.concatenate(rows_f), np.concatenate(rows_y), kept), events


def tax_arrears_events(ctx: Ctx, firms: Firms, defaults: Defaults) -> list[EventBatch]:
    """tax_arrears: most firms in trouble fall behind with their tax, a few others now and then."""
    # the stream is named after the stage that once drew tax and financial events together:
    # renaming it would change every generated world
    rng = ctx.rng("finance-events")
    n, h = firms.n, ctx.horizon
    p = np.select([np.isin(defaults.cause, (1, 2)), defaults.cause == 3], [0.45, 0.25], 0.0)
    owes = rng.random(n) < p
    a = np.maximum(defaults.distress_from, 0)
    b = np.minimum(defaults.distress_to, h)
    day = np.where(owes & (b > a), np.floor(a + rng.random(n) * (b - a)), NEVER)
    ordinary = ~firms.lender & (rng.random(n) < 0.01 * h / 365)
    day = np.where(ordinary & (day >= NEVER / 2), np.floor(rng.random(n) * h), day)
    who = np.flatnonzero(day < h)
    amount = np.round(firms.employees[who] * 4e5 * 0.01 * rng.uniform(0.2, 1.5, len(who)), 2)
    years = ctx.years(day[who]).tolist()
    payloads = [{"year": y, "amount": x} for y, x in zip(years, amount.tolist(), strict=True)]
    return [EventBatch("tax_arrears", who, day[who], payloads)]
