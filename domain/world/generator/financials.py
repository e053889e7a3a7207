"""Financial statements, driven by each firm's health path; signs of decline as events.

Health at day t: H(t) = health + yearly drift - distress(t), where distress ramps up to 1.8 over
the months before a default (2.5 after it) and to 1.0 in a survived scare, recovering afterwards.
Quarterly statements are drawn first; annual ones are their sums (flows) or year-end values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64, sigmoid
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import INDUSTRY_LABELS, Firms
from domain.world.generator.events import EventBatch
from domain.world.generator.lifecycle import Lifecycle
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import Ctx

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


def financial_decline_events(ctx: Ctx, books: Books) -> list[EventBatch]:
    """financial_decline when a quarterly statement showing a new sign of decline becomes known."""
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
    return [EventBatch("financial_decline", np.concatenate(f_l) if f_l else np.zeros(0, np.int64),
                       np.concatenate(d_l) if d_l else np.zeros(0), p_l)]  # fmt: skip
