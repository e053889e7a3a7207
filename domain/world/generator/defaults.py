"""Defaults: a firm's own hazard plus contagion along guarantee, supply and shareholding edges;
the outcomes file.

Own default: an exponential time with yearly hazard LAMBDA0 * exp(-BETA_HEALTH * health).
Contagion: when firm j defaults on day t_j, each neighbour i linked by an arc j -> i that existed
on t_j is pulled into default with probability 1 - exp(-c * w * v_i), on day t_j + lag, where c
is the contagion strength, w the arc's weight (by kind and direction) and v_i = exp(-0.5 *
health_i) the neighbour's vulnerability. All draws are made up front, so the cascade is the
earliest-arrival fixed point of these rules and does not depend on processing order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64, B
from domain.world.generator.enterprises import Firms
from domain.world.generator.networks import Network
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import NEVER, Ctx

LAMBDA0 = 0.015  # yearly own-default hazard at health 0
BETA_HEALTH = 1.15
# Arc weights: (relation, direction) -> weight of the hit the neighbour takes.
W_GUARANTOR = 0.55  # guaranteed firm defaults -> its guarantor pays
W_GUARANTEED = 0.15  # guarantor defaults -> the guaranteed firm loses its backing
W_SUPPLIER = 0.35  # customer defaults -> supplier's receivables are lost
W_CUSTOMER = 0.10  # supplier defaults -> customer's supply is disrupted
W_HOLDER = 0.30  # investee defaults -> holder (times ratio)
W_INVESTEE = 0.45  # holder defaults -> investee (times ratio)
LAG_MIN, LAG_SHAPE, LAG_SCALE = 45, 2.0, 50.0  # days from a neighbour's default to one's own
LEAD_MIN, LEAD_SCALE = 90, 100.0  # days of visible trouble before an own default
SUDDEN_SHARE = 0.15  # own defaults with a few weeks of warning at most
SCARE_RATE = 0.035  # share of non-defaulting firms with a distress episode they survive


@dataclass
class Defaults:
    """Who defaults when, and the distress episode before it.

    `cause`: 0 none, 1 own fundamentals, 2 contagion, 3 a survived distress episode (no default).
    `distress_from` .. `distress_to`: the days of visible trouble (NEVER when none); for defaulters
    `distress_to` is the default day.
    """

    day: F64  # default day, NEVER when none within the timeline
    cause: I64
    trigger: I64  # the neighbour whose default pulled the firm in, -1 otherwise
    distress_from: F64
    distress_to: F64

    @property
    def defaulted(self) -> B:
        """Firms that default within the timeline."""
        return np.asarray(self.day < NEVER / 2)


def arcs(net: Network) -> tuple[I64, I64, F64, I64]:
    """Influence arcs (from whose default, to whom, weight, since)."""
    g, s, h = net.guarantee, net.supply, net.shareholding
    src = np.r_[g.dst, g.src, s.dst, s.src, h.dst, h.src]
    dst = np.r_[g.src, g.dst, s.src, s.dst, h.src, h.dst]
    w = np.r_[
        np.full(len(g), W_GUARANTOR), np.full(len(g), W_GUARANTEED),
        np.full(len(s), W_SUPPLIER), np.full(len(s), W_CUSTOMER),
        W_HOLDER * h.value, W_INVESTEE * h.value,
    ]  # fmt: skip
    since = np.r_[g.since, g.since, s.since, s.since, h.since, h.since]
    return src, dst, w, since


def simulate_defaults(ctx: Ctx, firms: Firms, net: Network) -> Defaults:
    """Own default times, then the contagion cascade, then the distress episodes."""
    rng = ctx.rng("defaults")
    n, horizon = firms.n, ctx.horizon
    rate = LAMBDA0 * np.exp(-BETA_HEALTH * firms.health) / 365.25
    own = rng.exponential(1.0, n) / rate
    own[firms.lender] = NEVER
    own = np.where(own < horizon, np.floor(own), NEVER)

    src, dst, w, since = arcs(net)
    vuln = np.exp(-0.5 * firms.health[dst])
    p = 1.0 - np.exp(-ctx.contagion * w * vuln)
    u = rng.random(len(src))
    lag = LAG_MIN + np.floor(rng.gamma(LAG_SHAPE, LAG_SCALE, len(src)))
    live = (u < p) & ~firms.lender[dst]
    src, dst, lag, since = src[live], dst[live], lag[live], since[live]

    day = own.copy()
    trigger = np.full(n, -1, dtype=np.int64)
    for _ in range(n):
        hit = (day[src] < horizon) & (since <= day[src])
        cand = np.where(hit, day[src] + lag, NEVER)
        best = np.full(n, NEVER)
        np.minimum.at(best, dst, cand)
        better = (best < day) & (best < horizon)
        if not better.any():
            break
        day[better] = best[better]
        # The arc that achieved the new time names the trigger.
        arc_ok = better[dst] & (cand == best[dst])
        trigger[dst[arc_ok]] = src[arc_ok]
    trigger[~(day < own)] = -1
    defaulted = day < horizon
    cause = np.where(defaulted, np.where(trigger >= 0, 2, 1), 0)

    # Distress before an own default lasts 3-24 months (10 on average); after a neighbour's
    # default it starts then.
    lead = LEAD_MIN + np.floor(rng.gamma(2.0, LEAD_SCALE, n))
    # Some defaults come out of the blue (fraud, a lost key customer): barely any warning.
    sudden = rng.random(n) < SUDDEN_SHARE
    lead = np.where(sudden, 7 + np.floor(rng.random(n) * 30), lead)
    start = np.where(cause == 1, day - lead, NEVER)
    start = np.where(cause == 2, day[np.maximum(trigger, 0)] + rng.integers(3, 20, n), start)
    start = np.minimum(start, np.where(defaulted, day - 7, NEVER))
    end = np.where(defaulted, day, NEVER)

    # Survived scares: weak firms more often; they show trouble and recover.
    scare_p = SCARE_RATE * np.exp(-0.6 * firms.health) / np.exp(0.18)
    scare = ~defaulted & ~firms.lender & (rng.random(n) < scare_p)
    s_from = np.floor(rng.random(n) * horizon - 90)
    s_len = 60 + np.floor(rng.gamma(2.0, 50.0, n))
    start = np.where(scare, s_from, start)
    end = np.where(scare, s_from + s_len, end)
    cause = np.where(scare, 3, cause)
    return Defaults(
        day=np.where(defaulted, day, NEVER), cause=np.asarray(cause, dtype=np.int64),
        trigger=trigger, distress_from=start, distress_to=end,
    )  # fmt: skip


def outcome_table(ctx: Ctx, firms: Firms, defaults: Defaults) -> Table:
    """outcomes.jsonl: one row per enterprise, defaulted during [S, E) or not."""
    end = np.datetime64(ctx.end.isoformat(), "D")
    return table(
        Col("uscc", "str", firms.uscc),
        Col("defaulted", "bool", defaults.defaulted),
        Col("as_of", "date", np.full(firms.n, end)),
        Col("default_date", "date", ctx.dates(defaults.day)),
    )
