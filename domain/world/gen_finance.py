"""Financial statements and tax records, driven by each firm's health path.

Health at day t: H(t) = health + yearly drift - distress(t), where distress ramps up to 1.8 over
the months before a default (2.5 after it) and to 1.0 in a survived scare, recovering afterwards.
Quarterly statements are drawn first; annual ones are their sums (flows) or year-end values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.gen_common import F64, I64, NEVER, Ctx, EventBatch, sigmoid
from domain.world.gen_defaults import Defaults
from domain.world.gen_enterprises import INDUSTRY_LABELS, Firms
from domain.world.gen_io import Col, Table, table
from domain.world.gen_lifecycle import Lifecycle

RATINGS = ["A", "B", "M", "C", "D"]
RATING_RANK = np.array([0, 1, -1, 2, 3])  # M (new firm) is not ranked
SEASON = np.array([0.85, 1.0, 1.0, 1.15])
FIGURES = ("revenue", "net_profit", "total_assets", "total_liabilities", "current_assets",
           "current_liabilities", "cash", "rd_expense", "operating_cash_flow")  # fmt: skip


@dataclass
class Books:
    """Quarterly figures for every firm and quarter of the grid (NaN where none)."""

    q_year: I64
    q_num: I64
    q_end: I64  # day offset of the quarter's last day
    fig: dict[str, F64]  # name -> (firms, quarters)
    health: F64  # (firms, quarters) health at quarter end
    exists: np.ndarray  # (firms, quarters) bool


def _distress(defaults: Defaults, t: F64) -> F64:
    """How much trouble weighs on each firm (rows) at days t (columns)."""
    a = defaults.distress_from[:, None]
    b = defaults.distress_to[:, None]
    cause = defaults.cause[:, None]
    # Concave: trouble shows early in the episode.
    ramp = np.clip((t - a) / np.maximum(b - a, 1), 0, 1) ** 0.6
    default_path = np.where(t >= b, 2.5, 1.8 * ramp)
    recover = np.clip(1 - (t - b) / 180, 0, 1)
    scare_path = np.where(t < b, 1.0 * ramp, recover)
    return np.asarray(np.where(np.isin(cause, (1, 2)), default_path,
                               np.where(cause == 3, scare_path, 0.0)))  # fmt: skip


def make_books(ctx: Ctx, firms: Firms, defaults: Defaults, life: Lifecycle) -> Books:
    """Quarterly figures from three years before S to the end of the timeline."""
    rng = ctx.rng("finance")
    n = firms.n
    y0 = ctx.start.year - 3
    last = int(ctx.years(np.array([ctx.horizon - 1]))[0])
    years = np.repeat(np.arange(y0, last + 1), 4)
    qnum = np.tile(np.arange(1, 5), last + 1 - y0)
    q_end = ctx.day_of(years, qnum * 3 + 1, 1) - 1
    q_end = np.where(qnum == 4, ctx.day_of(years + 1, 1, 1) - 1, q_end)
    keep = q_end < ctx.horizon
    years, qnum, q_end = years[keep], qnum[keep], q_end[keep]
    nq = len(q_end)
    mid = q_end - 45.0

    drift = np.cumsum(0.25 * rng.standard_normal((n, nq // 4 + 2)), axis=1)[:, (years - y0)]
    drift -= drift[:, [int(np.searchsorted(q_end, 0))]] if (q_end >= 0).any() else 0.0
    health = firms.health[:, None] + 0.6 * drift - _distress(defaults, mid[None, :].astype(float))
    t_years = mid[None, :] / 365.25
    service = np.isin(np.array(INDUSTRY_LABELS)[firms.industry], ("I65", "I64", "M73", "M75"))
    base = (
        firms.employees * 4e5 * np.exp(0.35 * rng.standard_normal(n)) * np.where(service, 1.2, 1.0)
    )
    growth = 0.06 + 0.04 * firms.health + 0.03 * firms.tech
    age_at = (mid[None, :] - firms.founded[:, None]) / 365.25
    ramp_up = np.clip(age_at / 2, 0.15, 1.0)
    rate = base[:, None] * np.exp(
        growth[:, None] * t_years + 0.3 * (health - firms.health[:, None])
    )
    revenue = rate / 4 * SEASON[qnum - 1] * ramp_up * np.exp(0.08 * rng.standard_normal((n, nq)))
    revenue *= np.where(mid[None, :] >= defaults.day[:, None], 0.6, 1.0)
    margin_i = 0.04 + 0.05 * firms.health + 0.02 * rng.standard_normal(n)
    margin = margin_i[:, None] + 0.05 * (health - firms.health[:, None]) - 0.08 * (age_at < 2)
    net_profit = revenue * (margin + 0.015 * rng.standard_normal((n, nq)))
    turnover = np.exp(0.15 + 0.3 * rng.standard_normal(n))
    assets = rate * turnover[:, None] * np.exp(0.05 * rng.standard_normal((n, nq)))
    lev_i = 0.3 * rng.standard_normal(n)
    debt_ratio = sigmoid(-0.3 - 0.8 * health + lev_i[:, None] + 0.05 * rng.standard_normal((n, nq)))
    liabilities = assets * debt_ratio
    ca_share = rng.uniform(0.45, 0.75, n)[:, None]
    cl_share = rng.uniform(0.55, 0.9, n)[:, None]
    current_assets = assets * ca_share
    current_liabilities = liabilities * cl_share
    cash = current_assets * sigmoid(-1.3 + 0.6 * health)
    rd_share = sigmoid(-2.9 + 0.6 * firms.tech + 0.4 * service)
    rd = revenue * rd_share[:, None] * np.exp(0.1 * rng.standard_normal((n, nq)))
    ocf = net_profit + revenue * (0.02 * health + 0.04 * rng.standard_normal((n, nq)))

    exists = (q_end[None, :] >= firms.founded[:, None]) & (
        q_end[None, :] < life.stops_reporting[:, None]
    )
    exists &= ~firms.lender[:, None]
    fig = dict(zip(FIGURES, (revenue, net_profit, assets, liabilities, current_assets,
                             current_liabilities, cash, rd, ocf), strict=True))  # fmt: skip
    return Books(years, qnum, q_end, fig, health, exists)


def financial_table(ctx: Ctx, firms: Firms, books: Books) -> Table:
    """financials.jsonl: annual rows for the three years before S and the timeline's full years,
    quarterly rows from four quarters before S; per firm, in period order."""
    yrs = np.unique(books.q_year)
    firm_ix, period, values = [], [], {k: [] for k in FIGURES}  # type: ignore[var-annotated]
    flows = {"revenue", "net_profit", "rd_expense", "operating_cash_flow"}
    for y in yrs.tolist():
        cols = np.flatnonzero(books.q_year == y)
        if len(cols) < 4:
            continue
        ok = books.exists[:, cols[-1]]
        rows = np.flatnonzero(ok)
        firm_ix.append(rows)
        period.append(np.full(len(rows), f"{y}"))
        for k in FIGURES:
            data = books.fig[k][rows][:, cols]
            part = (
                np.where(books.exists[rows][:, cols], data, 0.0).sum(axis=1)
                if k in flows
                else data[:, -1]
            )
            values[k].append(part)
    first_q = int(np.searchsorted(books.q_end, -1)) - 4
    for c in range(max(first_q, 0), len(books.q_end)):
        rows = np.flatnonzero(books.exists[:, c])
        firm_ix.append(rows)
        period.append(np.full(len(rows), f"{books.q_year[c]}Q{books.q_num[c]}"))
        for k in FIGURES:
            values[k].append(books.fig[k][rows, c])
    firm = np.concatenate(firm_ix)
    per = np.concatenate(period)
    order = np.lexsort((per, firm))
    labels = sorted(set(per.tolist()))
    code = np.searchsorted(np.array(labels), per)
    columns = [Col("uscc", "cat", firm, firms.uscc), Col("period", "cat", code, labels)]
    columns += [Col(k, "float", np.concatenate(values[k])) for k in FIGURES]
    return table(*columns).take(order)


def make_tax(
    ctx: Ctx, firms: Firms, defaults: Defaults, books: Books
) -> tuple[Table, list[EventBatch]]:
    """tax.jsonl (yearly ratings, revenue, tax paid, arrears) and the tax events of the timeline."""
    rng = ctx.rng("tax")
    n, h = firms.n, ctx.horizon
    years = [y for y in np.unique(books.q_year).tolist() if (books.q_year == y).sum() == 4]
    rows_f, rows_y, rating_l, rev_l, paid_l, arrears_l = [], [], [], [], [], []
    prev = np.full(n, -1)
    events: list[EventBatch] = []
    down_f, down_d, down_p = [], [], []
    for y in years:
        cols = np.flatnonzero(books.q_year == y)
        ok = books.exists[:, cols[-1]]
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
        idx = np.flatnonzero(ok)
        rows_f.append(idx)
        rows_y.append(np.full(len(idx), y))
        rating_l.append(rating[idx])
        rev_l.append(revenue[idx])
        paid_l.append(paid[idx])
        arrears_l.append(arrears[idx])
        # Ratings are published in spring of the next year; a worse one is a signal.
        pub = ctx.day_of(np.array([y + 1]), 4, 15)[0] + np.floor(rng.uniform(0, 45, n))
        worse = ok & (prev >= 0) & (RATING_RANK[rating] > RATING_RANK[np.maximum(prev, 0)])
        worse &= (RATING_RANK[rating] >= 0) & (RATING_RANK[np.maximum(prev, 0)] >= 0)
        worse &= (pub >= 0) & (pub < h)
        w = np.flatnonzero(worse)
        down_f.append(w)
        down_d.append(pub[w])
        down_p += [{"year": y, "from": RATINGS[o], "rating": RATINGS[r]}
                   for o, r in zip(prev[w].tolist(), rating[w].tolist(), strict=True)]  # fmt: skip
        prev = np.where(ok, rating, prev)
    events.append(
        EventBatch("tax_rating_downgraded", np.concatenate(down_f), np.concatenate(down_d), down_p)
    )
    firm = np.concatenate(rows_f)
    tab = table(
        Col("uscc", "cat", firm, firms.uscc),
        Col("year", "int", np.concatenate(rows_y)),
        Col("rating", "cat", np.concatenate(rating_l), RATINGS),
        Col("revenue", "float", np.concatenate(rev_l)),
        Col("tax_paid", "float", np.concatenate(paid_l)),
        Col("arrears", "float", np.concatenate(arrears_l)),
    )
    order = np.lexsort((np.concatenate(rows_y), firm))
    return tab.take(order), events


def finance_events(ctx: Ctx, firms: Firms, defaults: Defaults, books: Books) -> list[EventBatch]:
    """financial_decline when a quarterly statement becomes known; tax_arrears in trouble."""
    rng = ctx.rng("finance-events")
    h = ctx.horizon
    rev, prof = books.fig["revenue"], books.fig["net_profit"]
    ratio = books.fig["total_liabilities"] / np.maximum(books.fig["total_assets"], 1.0)
    ex = books.exists
    # Each signal fires when it appears, not again while it lasts.
    drop = np.zeros_like(ex)
    drop[:, 4:] = ex[:, 4:] & ex[:, :-4] & (rev[:, 4:] < 0.75 * rev[:, :-4])
    loss = ex & (prof < 0)
    lev = ex & (ratio > 0.85)
    f_l, d_l, p_l = [], [], []
    for c in range(5, len(books.q_end)):
        known = books.q_end[c] + 30
        if not 0 <= known < h:
            continue
        new = ex[:, c - 1] & ~drop[:, c - 1]
        d_c, l_c, v_c = drop[:, c] & new, loss[:, c] & ~loss[:, c - 1], lev[:, c] & ~lev[:, c - 1]
        l_c &= ex[:, c - 1]
        v_c &= ex[:, c - 1]
        hit = np.flatnonzero(d_c | l_c | v_c)
        period = f"{books.q_year[c]}Q{books.q_num[c]}"
        for i in hit.tolist():
            reasons = [r for r, flag in (("revenue_drop", d_c[i]), ("turned_to_loss", l_c[i]),
                                         ("high_leverage", v_c[i])) if flag]  # fmt: skip
            p_l.append({
                "period": period, "revenue": round(float(rev[i, c]), 2),
                "revenue_prior_year": round(float(rev[i, c - 4]), 2),
                "net_profit": round(float(prof[i, c]), 2),
                "debt_ratio": round(float(ratio[i, c]), 4), "reasons": reasons,
            })  # fmt: skip
        f_l.append(hit)
        d_l.append(np.full(len(hit), float(known)))
    out = [EventBatch("financial_decline", np.concatenate(f_l) if f_l else np.zeros(0, np.int64),
                      np.concatenate(d_l) if d_l else np.zeros(0), p_l)]  # fmt: skip

    n = firms.n
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
    out.append(EventBatch("tax_arrears", who, day[who], payloads))
    return out
