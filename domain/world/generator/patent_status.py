"""Patent legal life: annuities and lapses, sales, licences, pledges, status, numbers and prices.

A patent's latent value drives its observed price (see docs/world.md):
log V = 10.4 + kind + 0.35 log claims + 0.2 log independent claims + 0.3 log(1 + forward cites)
        + 0.35 log family + 0.9 remaining-life share + 0.15 log(1 + licences) + industry
        + 0.3 quality (unobserved) + N(0, 0.55) (deal noise);
a patent sold by a firm in trouble fetches FIRE_SALE times that.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from domain.world.generator.arrays import F64, I64, round_to, weighted_pick
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import Firms
from domain.world.generator.events import EventBatch
from domain.world.generator.patents import (
    DESIGN,
    INVENTION,
    IPC_LABELS,
    KINDS,
    TITLE_LABELS,
    Patents,
)
from domain.world.generator.reference import INDUSTRIES
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import NEVER, Ctx

STATUSES = ["pending", "granted", "lapsed", "invalidated", "expired"]
PENDING, GRANTED, LAPSED, INVALIDATED, EXPIRED = range(5)
YEAR = 365.25
GRACE = 183  # days of grace after a missed annuity before the right lapses
LAPSE_RATE = np.array([0.035, 0.08, 0.09])  # yearly abandonment at quality 0, by kind
STOP_PAYING = {1: 0.6, 2: 0.6, 3: 0.25}  # by distress cause: share of patents left to lapse
SALE_IN_DISTRESS = 0.12
SALE_RATE = 0.008  # yearly share of live patents sold in ordinary business
KIND_VALUE = np.array([1.1, 0.0, -0.5])
INDUSTRY_VALUE = {"C27": 0.4, "C39": 0.2, "M73": 0.2, "I65": 0.1, "C40": 0.1}
PRICE_NOISE = 0.55
FIRE_SALE = 0.6  # price factor of patents sold by firms in trouble


def _anniversary(filed: Any, k: Any) -> F64:
    return np.asarray(filed + np.round(np.asarray(k) * YEAR))


def settle_patents(ctx: Ctx, firms: Firms, defaults: Defaults, pats: Patents) -> None:
    """Annuity payments and lapses, sales during the timeline, licences and pledges."""
    rng = ctx.rng("patent-status")
    m, h = len(pats), ctx.horizon
    granted = pats.granted < h
    k0 = np.ceil(np.maximum(pats.granted - pats.filed, 0) / YEAR)
    owner_health = firms.health[pats.applicant]
    rate = LAPSE_RATE[pats.kind] * np.exp(-0.7 * pats.quality - 0.3 * owner_health)
    natural_k = k0 + np.floor(rng.exponential(1.0, m) / rate)
    cause = defaults.cause[pats.applicant]
    p_stop = np.select([cause == c for c in STOP_PAYING], list(STOP_PAYING.values()), 0.0)
    a = defaults.distress_from[pats.applicant]
    stop_k = np.where(
        rng.random(m) < p_stop, np.maximum(np.ceil((a - pats.filed) / YEAR), k0), np.inf
    )
    seller_k = np.minimum(natural_k, stop_k)
    lapse_seller = _lapse_day(rng, pats, seller_k)

    # Sales during the timeline: firms in trouble sell, others now and then.
    b = defaults.distress_to[pats.applicant]
    in_trouble = (cause > 0) & (rng.random(m) < SALE_IN_DISTRESS)
    lo = np.where(in_trouble, np.maximum(a, 0), 0)
    hi = np.where(in_trouble, np.minimum(b + 60, h), h)
    ordinary = rng.random(m) < SALE_RATE * h / YEAR
    day = np.floor(lo + rng.random(m) * np.maximum(hi - lo, 0))
    alive = (day >= pats.granted) & (day < lapse_seller) & (day < pats.expiry) & (hi > lo)
    sold = (in_trouble | ordinary) & granted & alive
    want = np.where(sold, firms.industry[pats.applicant], -1)[sold]
    sme = firms.sme
    buyer = weighted_pick(rng, sme, np.exp(0.5 * firms.size[sme]), firms.industry[sme], want)
    buyer = np.where(
        buyer == pats.applicant[sold], sme[(np.searchsorted(sme, buyer) + 1) % len(sme)], buyer
    )
    pats.owner = pats.applicant.copy()
    pats.owner[sold] = buyer
    pats.sold = np.where(sold, day, NEVER)
    pats.fire_sale = sold & in_trouble
    pats.seller = np.where(sold, pats.applicant, -1)
    # After a sale the buyer keeps paying as an ordinary owner would.
    paid_k = np.where(sold, natural_k, seller_k)
    pats.lapsed = np.where(sold, _lapse_day(rng, pats, paid_k), lapse_seller)
    pats.lapsed = np.where(granted, pats.lapsed, NEVER)
    pats.paid_through = np.where(
        granted, np.minimum(_anniversary(pats.filed, paid_k), pats.expiry), NEVER
    )

    pats.transfers = rng.poisson(0.05, m) * granted + sold
    pats.licenses = rng.poisson(0.04 * np.exp(0.8 * pats.quality)) * (
        granted & (pats.kind != DESIGN)
    )
    chance = rng.random(m) < 0.002 * granted
    pats.invalidated = np.where(
        chance, pats.granted + 180 + np.floor(rng.random(m) * 5 * YEAR), NEVER
    )
    owner = pats.owner
    p_pledge = 0.04 * np.exp(0.3 * firms.size[owner]) + 0.1 * (defaults.cause[owner] > 0)
    pats.pledged = granted & (rng.random(m) < p_pledge)


def _lapse_day(rng: np.random.Generator, pats: Patents, paid_k: F64) -> F64:
    through = _anniversary(pats.filed, np.minimum(paid_k, 1e4))
    lapse = through + GRACE + np.floor(rng.uniform(15, 60, len(pats)))
    return np.asarray(np.where(through < pats.expiry, lapse, NEVER))


def owner_on(pats: Patents, idx: I64, day: Any) -> I64:
    """The owner of patents `idx` on `day`."""
    return np.asarray(np.where(pats.sold[idx] <= day, pats.owner[idx], pats.applicant[idx]))


def finish_patents(ctx: Ctx, firms: Firms, pats: Patents) -> None:
    """Status at the end of the timeline, annuities paid through, numbers and prices."""
    rng = ctx.rng("patent-finish")
    h, m = ctx.horizon, len(pats)
    # A sale after an invalidation did not happen.
    undo = (pats.sold < NEVER / 2) & (pats.sold >= pats.invalidated)
    pats.owner = np.where(undo, pats.applicant, pats.owner)
    pats.sold = np.where(undo, NEVER, pats.sold)
    pats.seller = np.where(undo, -1, pats.seller)
    pats.transfers = pats.transfers - undo

    ends = np.stack([pats.lapsed, pats.invalidated, pats.expiry])
    first = ends.argmin(axis=0)
    when = ends.min(axis=0)
    status = np.where(when < h, np.array([LAPSED, INVALIDATED, EXPIRED])[first], GRANTED)
    status = np.where(pats.granted < h, status, PENDING)
    pats.status = status
    # Fees are paid a year ahead: at E a live patent is paid through the next anniversary.
    next_anniv = _anniversary(pats.filed, np.ceil((h - pats.filed) / YEAR))
    through = np.minimum(pats.paid_through, next_anniv)
    through = np.where(
        status == INVALIDATED,
        np.minimum(
            through, _anniversary(pats.filed, np.ceil((pats.invalidated - pats.filed) / YEAR))
        ),
        through,
    )
    pats.paid_through = np.where(status == PENDING, NEVER, through)
    pats.pledged = pats.pledged & (status == GRANTED)

    # Publication numbers rise with publication day within each kind's series.
    pub = np.where(pats.granted < h, pats.granted, pats.filed + 540)
    serial = np.zeros(m, dtype=np.int64)
    for kind in range(3):
        idx = np.flatnonzero(pats.kind == kind)
        if len(idx) == 0:
            continue
        idx = idx[np.lexsort((idx, pub[idx]))]
        gap = max(1, min(200, 80_000_000 // len(idx)))
        serial[idx] = (
            (kind + 1) * 100_000_000 + 10_000_000 + np.cumsum(rng.integers(1, 2 * gap, len(idx)))
        )
    code = np.array(["A", "U", "S"])[pats.kind]
    code = np.where((pats.kind == INVENTION) & (status != PENDING), "B", code)
    pats.number = [f"CN{s}{c}" for s, c in zip(serial.tolist(), code.tolist(), strict=True)]

    fwd = np.bincount(pats.cited, minlength=m)
    term = np.where(pats.kind == INVENTION, 20, 10) * YEAR
    remaining = np.clip((pats.expiry - h) / term, 0, 1)
    ind_value = np.array([INDUSTRY_VALUE.get(i.code, 0.0) for i in INDUSTRIES] + [0.0, 0.0])
    log_v = (
        10.4 + KIND_VALUE[pats.kind] + 0.35 * np.log(pats.claims) + 0.2 * np.log(pats.independent)
        + 0.3 * np.log1p(fwd) + 0.35 * np.log(pats.family) + 0.9 * remaining
        + 0.15 * np.log1p(pats.licenses) + ind_value[firms.industry[pats.applicant]]
        + 0.3 * pats.quality + PRICE_NOISE * rng.standard_normal(m)
    )  # fmt: skip
    dealt = (pats.transfers > 0) | (pats.licenses > 0) | (rng.random(m) < 0.03)
    priced = (status == GRANTED) & dealt & (rng.random(m) < 0.6)
    log_v += np.where(pats.fire_sale & (pats.sold < h), np.log(FIRE_SALE), 0.0)
    pats.price = np.where(priced, round_to(np.exp(log_v), 100.0), np.nan)


def patent_table(ctx: Ctx, firms: Firms, pats: Patents) -> Table:
    """patents.jsonl."""
    return table(
        Col("number", "str", pats.number or []),
        Col("owner", "cat", pats.owner, firms.uscc),
        Col("title", "cat", pats.title, TITLE_LABELS),
        Col("ipc", "cat", pats.ipc, IPC_LABELS),
        Col("kind", "cat", pats.kind, KINDS),
        Col("filed_on", "date", ctx.dates(pats.filed)),
        Col("granted_on", "date", ctx.dates(pats.granted)),
        Col("status", "cat", pats.status, STATUSES),
        Col("claims", "int", pats.claims),
        Col("independent_claims", "int", pats.independent),
        Col("inventors", "int", pats.inventors),
        Col("family_size", "int", pats.family),
        Col("transfers", "int", pats.transfers),
        Col("licenses", "int", pats.licenses),
        Col("pledged", "bool", pats.pledged),
        Col("annuity_paid_through", "date", ctx.dates(pats.paid_through)),
        Col("transaction_price", "float", pats.price),
    )


def citation_table(pats: Patents) -> Table:
    """patent_citations.jsonl."""
    numbers = pats.number or []
    return table(
        Col("citing", "cat", pats.citing, numbers), Col("cited", "cat", pats.cited, numbers)
    )


def patent_events(ctx: Ctx, firms: Firms, pats: Patents) -> list[EventBatch]:
    """Lapses, invalidations and transfers that happen during the timeline."""
    h = ctx.horizon
    numbers = pats.number or []
    out = []
    lap = np.flatnonzero((pats.status == LAPSED) & (pats.lapsed >= 0))
    through = ctx.dates(pats.paid_through[lap]).astype(str).tolist()
    out.append(EventBatch("patent_lapsed", pats.owner[lap], pats.lapsed[lap], [
        {"number": numbers[i], "annuity_paid_through": t} for i, t in zip(lap.tolist(), through, strict=True)
    ]))  # fmt: skip
    inv = np.flatnonzero((pats.status == INVALIDATED) & (pats.invalidated >= 0))
    out.append(EventBatch("patent_invalidated", pats.owner[inv], pats.invalidated[inv],
                          [{"number": numbers[i]} for i in inv.tolist()]))  # fmt: skip
    sold = np.flatnonzero(pats.sold < h)
    for role, who in (("assignor", pats.seller[sold]), ("assignee", pats.owner[sold])):
        payloads = [
            {"number": numbers[i], "from": firms.uscc[s], "to": firms.uscc[b], "role": role}
            for i, s, b in zip(sold.tolist(), pats.seller[sold].tolist(),
                               pats.owner[sold].tolist(), strict=True)
        ]  # fmt: skip
        out.append(EventBatch("patent_transferred", who, pats.sold[sold], payloads))
    return out
