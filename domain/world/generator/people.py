"""People: legal representatives, directors and shareholders, some serving many firms; changes
of legal representative and new shareholders during the timeline; the relations file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import Firms
from domain.world.generator.events import EventBatch
from domain.world.generator.networks import Network
from domain.world.generator.reference import GIVEN_CHARS, SURNAMES
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import NEVER, Ctx

ROLES = ["legal_rep", "director", "shareholder"]
LEGAL_REP, DIRECTOR, SHAREHOLDER = range(3)
POOL_SHARE = 0.05  # serial entrepreneurs, as a share of firms
REP_CHANGE_RATE = 0.03  # yearly, outside trouble
SHAREHOLDER_ENTRY_RATE = 0.05


@dataclass
class People:
    """Persons (ids are numbers, written as P########) and officer relations."""

    names: list[str]
    used: I64  # person numbers that appear in relations or events
    person: I64
    firm: I64
    role: I64
    since: I64


def _names(rng: np.random.Generator, k: int) -> list[str]:
    sur = np.array(list(SURNAMES))
    giv = np.array(list(GIVEN_CHARS))
    w = 1.0 / np.arange(1, len(sur) + 1) ** 0.9
    s = rng.choice(sur, k, p=w / w.sum())
    g1 = rng.choice(giv, k)
    g2 = rng.choice(giv, k)
    two = rng.random(k) < 0.7
    return [a + b + (c if t else "") for a, b, c, t in zip(s.tolist(), g1.tolist(), g2.tolist(),
                                                      two.tolist(), strict=True)]  # fmt: skip


class _PersonPool:
    """Person numbers: each draw is a fresh person or, with a given chance, one of a small pool of
    serial entrepreneurs (a heavy but bounded tail of firms per person)."""

    def __init__(self, rng: np.random.Generator, n_firms: int) -> None:
        self.rng = rng
        self.pool = max(3, int(POOL_SHARE * n_firms))
        weights = np.minimum(1.0 + rng.pareto(1.2, self.pool), 15.0)
        self.weights = weights / weights.sum()
        self.count = self.pool  # person numbers handed out so far

    def draw(self, k: int, p_pool: float) -> I64:
        """`k` persons, each from the pool with probability `p_pool`."""
        fresh = np.arange(self.count, self.count + k)
        self.count += k
        from_pool = self.rng.choice(self.pool, k, p=self.weights)
        return np.asarray(np.where(self.rng.random(k) < p_pool, from_pool, fresh), dtype=np.int64)


@dataclass
class _Officers:
    """Officers at the start of the timeline: one legal representative per firm (with the day
    since), directors and founding shareholders."""

    rep: I64
    rep_since: F64
    d_firm: I64
    d_person: I64
    d_since: F64
    s_firm: I64
    s_person: I64
    s_since: I64


def make_people(
    ctx: Ctx, firms: Firms, net: Network, defaults: Defaults
) -> tuple[People, list[EventBatch]]:  # fmt: skip
    """Officers of every firm, plus legal-representative changes and new shareholders."""
    rng = ctx.rng("people")
    n = firms.n
    persons = _PersonPool(rng, n)
    off = _officers(rng, persons, firms, net)
    who, day, old_rep, new_rep = _rep_changes(ctx, rng, persons, firms, defaults, off)
    entrants, e_day, e_person = _entrants(ctx, rng, persons, firms, defaults)

    person = np.r_[off.rep, off.d_person, off.s_person, e_person]
    firm = np.r_[np.arange(n), off.d_firm, off.s_firm, entrants]
    role = np.r_[np.full(n, LEGAL_REP), np.full(len(off.d_firm), DIRECTOR),
                 np.full(len(off.s_firm) + len(entrants), SHAREHOLDER)]  # fmt: skip
    since = np.r_[off.rep_since, off.d_since, off.s_since, e_day[entrants]].astype(np.int64)
    key = (person * n + firm) * 3 + role
    order = np.lexsort((since, key))
    key_sorted = key[order]
    keep = order[np.r_[True, key_sorted[1:] != key_sorted[:-1]]]
    keep.sort()
    # Former legal representatives stay known: events name them.
    used = np.unique(np.r_[person[keep], old_rep])
    names = _names(rng, persons.count)
    pid = _pid
    events = [
        EventBatch("legal_rep_changed", who, day[who].astype(np.float64), [
            {"old": pid(o), "new": pid(w)} for o, w in zip(old_rep.tolist(), new_rep.tolist(),
                                                         strict=True)]),
        EventBatch("shareholder_changed", entrants, e_day[entrants].astype(np.float64), [
            {"holder": pid(p), "change": "entered"} for p in e_person.tolist()]),
    ]  # fmt: skip
    return People(names, used, person[keep], firm[keep], role[keep], since[keep]), events


def _officers(
    rng: np.random.Generator, persons: _PersonPool, firms: Firms, net: Network
) -> _Officers:
    """Legal representatives (shared within some majority-held groups), directors of firms with
    30 staff or more, and shareholders (often the legal representative first)."""
    n = firms.n
    firm_all = np.arange(n)
    rep = persons.draw(n, 0.1)
    rep[firms.lender] = persons.draw(int(firms.lender.sum()), 0.0)
    sh = net.shareholding
    major = np.flatnonzero((sh.value > 0.5) & (rng.random(len(sh)) < 0.5))
    rep[sh.dst[major]] = rep[sh.src[major]]
    age_days = -firms.founded
    rep_since = firms.founded + np.where(rng.random(n) < 0.2, np.floor(rng.random(n) * age_days), 0)

    n_dir = np.where(firms.employees >= 30, 1 + np.minimum(rng.poisson(1.5, n), 4), 0)
    n_dir[firms.lender] = 0
    d_firm = np.repeat(firm_all, n_dir)
    d_person = persons.draw(len(d_firm), 0.15)
    d_since = firms.founded[d_firm] + np.floor(rng.random(len(d_firm)) * age_days[d_firm])

    n_sh = np.where(firms.lender, 0, 1 + rng.poisson(0.8, n))
    s_firm = np.repeat(firm_all, n_sh)
    s_person = persons.draw(len(s_firm), 0.1)
    first = np.r_[True, s_firm[1:] != s_firm[:-1]] if len(s_firm) else np.zeros(0, bool)
    use_rep = first & (rng.random(len(s_firm)) < 0.8)
    s_person[use_rep] = rep[s_firm[use_rep]]
    s_since = firms.founded[s_firm]
    return _Officers(
        rep, np.asarray(rep_since, dtype=np.float64), d_firm, d_person,
        np.asarray(d_since, dtype=np.float64), s_firm, s_person, s_since,
    )  # fmt: skip


def _change_day(ctx: Ctx, rng: np.random.Generator, defaults: Defaults) -> F64:
    """A day for a change at each firm: within its trouble when it has some, else any day."""
    h, n = ctx.horizon, len(defaults.cause)
    a = np.maximum(defaults.distress_from, 0)
    b = np.minimum(defaults.distress_to, h)
    in_window = defaults.cause > 0
    return np.asarray(np.where(in_window & (b > a),
                               np.floor(a + rng.random(n) * np.maximum(b - a, 0)),
                               np.floor(rng.random(n) * h)))  # fmt: skip


def _rep_changes(
    ctx: Ctx, rng: np.random.Generator, persons: _PersonPool, firms: Firms, defaults: Defaults,
    off: _Officers,
) -> tuple[I64, F64, I64, I64]:  # fmt: skip
    """Changes of legal representative during the timeline, more frequent when a firm is in
    trouble: the firms, the day (per firm), the old and the new representative. Updates `off`."""
    h, n = ctx.horizon, firms.n
    years = h / 365.25
    p_rep = np.select([np.isin(defaults.cause, (1, 2)), defaults.cause == 3], [0.25, 0.12],
                      REP_CHANGE_RATE * years)  # fmt: skip
    change = ~firms.lender & (rng.random(n) < p_rep)
    day = _change_day(ctx, rng, defaults)
    change &= (day >= 0) & (day < h) & (day > off.rep_since)
    who = np.flatnonzero(change)
    new_rep = persons.draw(len(who), 0.2)
    old_rep = off.rep[who].copy()
    off.rep[who] = new_rep
    off.rep_since[who] = day[who]
    return who, day, old_rep, new_rep


def _entrants(
    ctx: Ctx, rng: np.random.Generator, persons: _PersonPool, firms: Firms, defaults: Defaults
) -> tuple[I64, F64, I64]:
    """New shareholders during the timeline: the firms, the day (per firm) and the persons."""
    h, n = ctx.horizon, firms.n
    years = h / 365.25
    p_sh = np.where(defaults.cause > 0, 0.15, SHAREHOLDER_ENTRY_RATE * years)
    entry = ~firms.lender & (rng.random(n) < p_sh)
    e_day = _change_day(ctx, rng, defaults)
    entrants = np.flatnonzero(entry & (e_day >= 0) & (e_day < h))
    return entrants, e_day, persons.draw(len(entrants), 0.1)


def _pid(k: int) -> str:
    return f"P{k:08d}"


def person_table(people: People) -> Table:
    """persons.jsonl."""
    return table(
        Col("id", "str", [_pid(k) for k in people.used.tolist()]),
        Col("name", "str", [people.names[k] for k in people.used.tolist()]),
    )


def relation_table(ctx: Ctx, firms: Firms, net: Network, people: People) -> Table:
    """relations.jsonl: guarantees, shareholdings, supply and officers, by kind then parties."""
    n = firms.n
    labels = list(firms.uscc) + [_pid(k) for k in people.used.tolist()]
    p_code = n + np.searchsorted(people.used, people.person)
    parts = [(0, net.guarantee), (1, net.shareholding), (2, net.supply)]
    kind = np.concatenate([np.full(len(e), k) for k, e in parts] + [np.full(len(p_code), 3)])
    src = np.concatenate([e.src for _, e in parts] + [p_code])
    dst = np.concatenate([e.dst for _, e in parts] + [people.firm])
    amount = np.concatenate([net.guarantee.value, np.full(len(net.shareholding), np.nan),
                             net.supply.value, np.full(len(p_code), np.nan)])  # fmt: skip
    ratio = np.concatenate([np.full(len(net.guarantee), np.nan), net.shareholding.value,
                            np.full(len(net.supply) + len(p_code), np.nan)])  # fmt: skip
    role = np.r_[np.full(len(kind) - len(p_code), -1), people.role]
    since = np.concatenate([e.since for _, e in parts] + [people.since])
    order = np.lexsort((role, dst, src, kind))
    since = np.where(since < NEVER / 2, since, np.nan)
    return table(
        Col("kind", "cat", kind, ["guarantee", "shareholding", "supply", "officer"]),
        Col("from", "cat", src, labels),
        Col("to", "cat", dst, labels),
        Col("amount", "float", amount),
        Col("ratio", "float", ratio),
        Col("role", "cat", role, ROLES),
        Col("since", "date", ctx.dates(since)),
    ).take(order)
