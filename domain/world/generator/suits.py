"""Suits: who sues whom and when. Ordinary disputes, suits against firms in distress, patent
infringement suits, and lenders' suits against defaulters joined by their guarantors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64, weighted_pick
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import Firms, pick_lender
from domain.world.generator.networks import Network
from domain.world.generator.patent_status import owner_on
from domain.world.generator.patents import DESIGN, Patents
from domain.world.generator.reference import CAUSE_SHARES
from domain.world.generator.timeline import Ctx

CONTRACT, LOAN, IP, LABOR, EQUITY, OTHER = range(6)  # indices into CAUSES
HISTORY_YEARS = 5
IP_SUIT_RATE = 0.006  # share of granted patents ever asserted in court


@dataclass
class Suits:
    """Cases with one plaintiff (a firm, -1 for a person) and one defendant each."""

    day: F64
    cause: I64
    plaintiff: I64
    defendant: I64
    distress: I64


@dataclass
class LenderSuits:
    """Lenders' suits against defaulters, each joined by the defaulter's guarantors."""

    borrower: I64
    day: F64
    lender: I64
    case: I64  # case number of each suit
    guarantor: I64
    guarantor_case: I64
    guaranteed: F64  # the largest amount guaranteed, per suit


def ordinary_suits(ctx: Ctx, rng: np.random.Generator, firms: Firms, net: Network) -> Suits:
    """Ordinary disputes; some firms are sued again and again (gamma frailty)."""
    h = ctx.horizon
    sme = firms.sme
    frailty = rng.gamma(0.6, 1 / 0.6, len(sme))
    mu = 0.07 * np.exp(0.3 * firms.size[sme] - 0.4 * firms.health[sme]) * frailty
    lo = np.maximum(firms.founded[sme], -HISTORY_YEARS * 365)
    span = np.maximum(h - lo, 0)
    n_cases = rng.poisson(mu * span / 365.25)
    firm = np.repeat(sme, n_cases)
    day = np.floor(np.repeat(lo, n_cases) + rng.random(len(firm)) * np.repeat(span, n_cases))
    other = [c for c in range(6) if c != IP]
    shares = np.array([CAUSE_SHARES[c] for c in other])
    cause = np.array(other)[rng.choice(len(other), len(firm), p=shares / shares.sum())]
    partner = _partner(rng, firms, net, firm)
    defendant_role = (rng.random(len(firm)) < 0.6) | (cause == LOAN) | (cause == LABOR)
    lender = pick_lender(rng, firms, firms.city[firm])
    counter = np.where(cause == LOAN, lender, np.where(cause == LABOR, -1, partner))
    return Suits(
        day, cause, np.where(defendant_role, counter, firm), np.where(defendant_role, firm, counter),
        np.zeros(len(firm), np.int64),
    )  # fmt: skip


def distress_suits(
    rng: np.random.Generator, firms: Firms, net: Network, defaults: Defaults
) -> Suits:
    """Firms in trouble are sued by suppliers, lenders and staff."""
    troubled = np.flatnonzero(defaults.cause > 0)
    k = np.where(defaults.cause[troubled] == 3, rng.poisson(0.8, len(troubled)),
                 rng.poisson(2.0, len(troubled)))  # fmt: skip
    firm = np.repeat(troubled, k)
    a, b = defaults.distress_from[firm], defaults.distress_to[firm]
    day = np.floor(a + rng.random(len(firm)) ** 2 * (b + 30 - a))  # mostly early on
    cause = np.array([CONTRACT, LOAN, LABOR])[rng.choice(3, len(firm), p=[0.55, 0.3, 0.15])]
    supplier = _supplier(rng, firms, net, firm)
    lender = pick_lender(rng, firms, firms.city[firm])
    plaintiff = np.where(cause == LOAN, lender, np.where(cause == LABOR, -1, supplier))
    return Suits(day, cause, plaintiff, firm, np.ones(len(firm), np.int64))


def ip_suits(ctx: Ctx, rng: np.random.Generator, firms: Firms, pats: Patents) -> tuple[Suits, I64]:
    """Patent infringement: owners of good patents sue firms of their industry; with the patent
    of each suit."""
    h = ctx.horizon
    sme = firms.sme
    ok = (pats.granted < h) & (pats.kind != DESIGN)
    cand = np.flatnonzero(ok)
    n_ip = int(round(IP_SUIT_RATE * len(cand)))
    ip_pat = np.zeros(0, np.int64)
    ip_firm_p = ip_firm_d = np.zeros(0, np.int64)
    ip_day = np.zeros(0)
    if n_ip:
        w = np.exp(1.2 * pats.quality[cand] + 0.3 * firms.size[pats.applicant[cand]])
        ip_pat = rng.choice(cand, n_ip, replace=False, p=w / w.sum())
        lo_ip = np.maximum(pats.granted[ip_pat] + 60, -HISTORY_YEARS * 365)
        hi_ip = np.minimum.reduce(
            [np.full(n_ip, float(h)), pats.lapsed[ip_pat], pats.expiry[ip_pat]]
        )
        keep = hi_ip > lo_ip
        ip_pat, lo_ip, hi_ip = ip_pat[keep], lo_ip[keep], hi_ip[keep]
        ip_day = np.floor(lo_ip + rng.random(len(ip_pat)) * (hi_ip - lo_ip))
        ip_firm_p = owner_on(pats, ip_pat, ip_day)
        ind = firms.industry[ip_firm_p]
        ip_firm_d = weighted_pick(rng, sme, np.exp(0.5 * firms.size[sme]), firms.industry[sme], ind)
        same = ip_firm_d == ip_firm_p
        ip_firm_d[same] = sme[(np.searchsorted(sme, ip_firm_d[same]) + 1) % len(sme)]
    suits = Suits(
        ip_day, np.full(len(ip_pat), IP), ip_firm_p, ip_firm_d, np.zeros(len(ip_pat), np.int64)
    )
    return suits, ip_pat


def filed_in_time(h: int, parts: list[Suits], ip_pat: I64) -> tuple[Suits, I64]:
    """The suits filed before the end of the timeline, in one list; `ip_pat` belongs to the last
    part."""
    filed = np.concatenate([s.day for s in parts])
    keep = filed < h
    suits = Suits(
        filed[keep],
        np.concatenate([s.cause for s in parts])[keep],
        np.concatenate([s.plaintiff for s in parts])[keep],
        np.concatenate([s.defendant for s in parts])[keep],
        np.concatenate([s.distress for s in parts])[keep],
    )
    return suits, ip_pat[keep[len(keep) - len(ip_pat) :]]


def lender_suits(
    ctx: Ctx, rng: np.random.Generator, firms: Firms, net: Network, defaults: Defaults,
    n_single: int,
) -> LenderSuits:  # fmt: skip
    """Lenders sue each defaulter together with its guarantors (case numbers from `n_single`)."""
    h = ctx.horizon
    g = net.guarantee
    borrowers = np.intersect1d(np.flatnonzero(defaults.defaulted), g.dst)
    suit_day = np.floor(defaults.day[borrowers] + rng.uniform(30, 150, len(borrowers)))
    borrowers, suit_day = borrowers[suit_day < h], suit_day[suit_day < h]
    suit = n_single + np.arange(len(borrowers))
    gi = np.flatnonzero(np.isin(g.dst, borrowers))
    g_case = suit[np.searchsorted(borrowers, g.dst[gi])]
    g_amount = np.zeros(len(borrowers))
    np.maximum.at(g_amount, g_case - n_single, g.value[gi])
    lender = pick_lender(rng, firms, firms.city[borrowers])
    return LenderSuits(borrowers, suit_day, lender, suit, g.src[gi], g_case, g_amount)


def parties(single: Suits, lenders: LenderSuits) -> tuple[I64, I64, I64]:
    """Case, firm and role (0 plaintiff, 1 defendant) of every party that is a firm, by case,
    plaintiffs first."""
    n_single = len(single.day)
    idx = np.arange(n_single)
    has_p = single.plaintiff >= 0
    suit = lenders.case
    pcs = [idx[has_p], idx, suit, suit, lenders.guarantor_case]
    pfs = [single.plaintiff[has_p], single.defendant, lenders.lender, lenders.borrower,
           lenders.guarantor]  # fmt: skip
    prs = [np.zeros(int(has_p.sum()), np.int64), np.ones(n_single, np.int64),
           np.zeros(len(suit), np.int64), np.ones(len(suit) + len(lenders.guarantor), np.int64)]  # fmt: skip
    pc, pf, pr = (np.concatenate(x).astype(np.int64) for x in (pcs, pfs, prs))
    order = np.lexsort((np.arange(len(pc)), pr, pc))
    return pc[order], pf[order], pr[order]


def _partner(rng: np.random.Generator, firms: Firms, net: Network, firm: I64) -> I64:
    """A trading partner of each firm (supplier or customer) when it has one, else any SME."""
    s = net.supply
    a = np.r_[s.src, s.dst]
    b = np.r_[s.dst, s.src]
    return _neighbour(rng, firms, a, b, firm)


def _supplier(rng: np.random.Generator, firms: Firms, net: Network, firm: I64) -> I64:
    return _neighbour(rng, firms, net.supply.dst, net.supply.src, firm)


def _neighbour(rng: np.random.Generator, firms: Firms, a: I64, b: I64, firm: I64) -> I64:
    """For each firm, a random b among edges a -> b starting at it, else a random other SME."""
    sme = firms.sme
    fallback = sme[rng.integers(0, len(sme), len(firm))]
    fallback = np.where(
        fallback == firm, sme[(np.searchsorted(sme, fallback) + 1) % len(sme)], fallback
    )
    if len(a) == 0:
        return np.asarray(fallback, dtype=np.int64)
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    lo = np.searchsorted(a, firm, "left")
    hi = np.searchsorted(a, firm, "right")
    pick = lo + np.floor(rng.random(len(firm)) * np.maximum(hi - lo, 1)).astype(np.int64)
    found = b[np.minimum(pick, len(b) - 1)]
    use = (hi > lo) & (rng.random(len(firm)) < 0.6)
    return np.asarray(np.where(use, found, fallback), dtype=np.int64)
