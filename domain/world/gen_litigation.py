"""Litigation: ordinary disputes, patent infringement suits, suits against firms in distress and
lenders' suits against defaulters and their guarantors; with judgments and enforcement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.gen_common import F64, I64, NEVER, Ctx, EventBatch, rank_within, weighted_pick
from domain.world.gen_defaults import Defaults
from domain.world.gen_enterprises import Firms, pick_lender
from domain.world.gen_io import Col, Table, table
from domain.world.gen_patent_status import owner_on
from domain.world.gen_patents import DESIGN, Patents
from domain.world.gen_reference import CAUSE_SHARES, CAUSES, REGIONS
from domain.world.gen_relations import Network

CONTRACT, LOAN, IP, LABOR, EQUITY, OTHER = range(6)
AMOUNT_MEDIAN = np.array([3e5, 2e6, 5e5, 6e4, 1e6, 1.5e5])
DURATION_MEDIAN = np.array([130.0, 100.0, 420.0, 160.0, 260.0, 150.0])
SETTLE = np.array([0.30, 0.15, 0.25, 0.35, 0.30, 0.30])
PLAINTIFF_WINS = np.array([0.65, 0.90, 0.60, 0.55, 0.45, 0.50])
CASE_STATUSES = ["pending", "judged", "settled", "enforcing", "closed"]
OUTCOMES = ["won", "lost", "partial"]
HISTORY_YEARS = 5
IP_SUIT_RATE = 0.006  # share of granted patents ever asserted in court


@dataclass
class Cases:
    """Cases as arrays plus flat party and patent lists."""

    filed: I64
    cause: I64
    amount: F64
    court: list[str]
    case_no: list[str]
    closed: F64
    status: I64
    outcome: I64
    party_case: I64
    party_firm: I64
    party_role: I64  # 0 plaintiff, 1 defendant
    patent_case: I64
    patent: I64
    distress: I64  # 1 when the case belongs to a defendant's distress


def make_cases(
    ctx: Ctx, firms: Firms, net: Network, defaults: Defaults, pats: Patents
) -> Cases:  # fmt: skip
    """Draw every case, filed from five years before S to the end of the timeline."""
    rng = ctx.rng("litigation")
    h = ctx.horizon
    sme = firms.sme
    days: list[F64] = []
    causes: list[I64] = []
    plaintiffs: list[I64] = []  # one firm per case; -1 when the plaintiff is a person
    defendants: list[I64] = []
    distress: list[I64] = []

    # Ordinary disputes; some firms are sued again and again (gamma frailty).
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
    plaintiffs.append(np.where(defendant_role, counter, firm))
    defendants.append(np.where(defendant_role, firm, counter))
    days.append(day)
    causes.append(cause)
    distress.append(np.zeros(len(firm), np.int64))

    # Firms in trouble are sued by suppliers, lenders and staff.
    troubled = np.flatnonzero(defaults.cause > 0)
    k = np.where(defaults.cause[troubled] == 3, rng.poisson(0.8, len(troubled)),
                 rng.poisson(2.0, len(troubled)))  # fmt: skip
    firm = np.repeat(troubled, k)
    a, b = defaults.distress_from[firm], defaults.distress_to[firm]
    day = np.floor(a + rng.random(len(firm)) ** 2 * (b + 30 - a))  # mostly early on
    cause = np.array([CONTRACT, LOAN, LABOR])[rng.choice(3, len(firm), p=[0.55, 0.3, 0.15])]
    supplier = _supplier(rng, firms, net, firm)
    lender = pick_lender(rng, firms, firms.city[firm])
    plaintiffs.append(np.where(cause == LOAN, lender, np.where(cause == LABOR, -1, supplier)))
    defendants.append(firm)
    days.append(day)
    causes.append(cause)
    distress.append(np.ones(len(firm), np.int64))

    # Patent infringement: owners of good patents sue firms of their industry.
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
    plaintiffs.append(ip_firm_p)
    defendants.append(ip_firm_d)
    days.append(ip_day)
    causes.append(np.full(len(ip_pat), IP))
    distress.append(np.zeros(len(ip_pat), np.int64))

    filed = np.concatenate(days)
    keep = filed < h
    filed = filed[keep].astype(np.int64)
    cause = np.concatenate(causes)[keep]
    plaintiff = np.concatenate(plaintiffs)[keep]
    defendant = np.concatenate(defendants)[keep]
    dist = np.concatenate(distress)[keep]
    ip_pat = ip_pat[keep[len(keep) - len(ip_pat) :]]
    n_single = len(filed)
    idx = np.arange(n_single)
    has_p = plaintiff >= 0
    pcs = [idx[has_p], idx]
    pfs = [plaintiff[has_p], defendant]
    prs = [np.zeros(int(has_p.sum()), np.int64), np.ones(n_single, np.int64)]

    # Lenders sue each defaulter together with its guarantors.
    g = net.guarantee
    borrowers = np.intersect1d(np.flatnonzero(defaults.defaulted), g.dst)
    suit_day = np.floor(defaults.day[borrowers] + rng.uniform(30, 150, len(borrowers)))
    borrowers, suit_day = borrowers[suit_day < h], suit_day[suit_day < h]
    suit = n_single + np.arange(len(borrowers))
    gi = np.flatnonzero(np.isin(g.dst, borrowers))
    g_case = suit[np.searchsorted(borrowers, g.dst[gi])]
    g_amount = np.zeros(len(borrowers))
    np.maximum.at(g_amount, g_case - n_single, g.value[gi])
    pcs += [suit, suit, g_case]
    pfs += [pick_lender(rng, firms, firms.city[borrowers]), borrowers, g.src[gi]]
    prs += [np.zeros(len(suit), np.int64), np.ones(len(suit) + len(gi), np.int64)]
    pc, pf, pr = (np.concatenate(x).astype(np.int64) for x in (pcs, pfs, prs))
    order = np.lexsort((np.arange(len(pc)), pr, pc))
    pc, pf, pr = pc[order], pf[order], pr[order]
    filed = np.r_[filed, suit_day.astype(np.int64)]
    cause = np.r_[cause, np.full(len(borrowers), LOAN)]
    dist = np.r_[dist, np.ones(len(borrowers), np.int64)]
    defendant = np.r_[defendant, borrowers]
    n_cases = len(filed)

    amount = AMOUNT_MEDIAN[cause] * np.exp(
        rng.standard_normal(n_cases) + 0.3 * firms.size[defendant]
    )
    amount[n_single:] = np.maximum(amount[n_single:], 1.2 * g_amount)
    amount = np.round(amount, 2)

    # Judgments, settlements and enforcement.
    # Claims against firms in trouble mostly go through the quick (summary) procedure.
    quick = np.where(dist == 1, 0.7, 1.0)
    closed = filed + np.floor(
        quick * DURATION_MEDIAN[cause] * np.exp(0.5 * rng.standard_normal(n_cases))
    )
    troubled_d = np.isin(defaults.cause[defendant], (1, 2))
    settled = rng.random(n_cases) < SETTLE[cause] * np.where(troubled_d, 0.4, 1.0)
    p_win = np.minimum(0.95, PLAINTIFF_WINS[cause] + 0.2 * troubled_d)
    u = rng.random(n_cases)
    outcome = np.where(u < p_win, np.where(rng.random(n_cases) < 0.8, 0, 2), 1)
    ip_case = np.flatnonzero(cause == IP)
    # Defendants often counter with an invalidation request; some patents fall.
    fall = rng.random(len(ip_case)) < 0.3 * 0.35 * np.exp(-0.5 * pats.quality[ip_pat])
    inval = filed[ip_case] + rng.integers(120, 400, len(ip_case))
    pats.invalidated[ip_pat[fall]] = np.minimum(pats.invalidated[ip_pat[fall]], inval[fall])
    outcome[ip_case[fall]] = 1
    settled[ip_case[fall]] = False
    closed[ip_case[fall]] = np.maximum(closed[ip_case[fall]], inval[fall] + 30)
    done = closed < h
    status = np.select(
        [~done, settled, troubled_d & (outcome != 1), closed < h - 120],
        [0, 2, 3, 4],
        1,
    )
    outcome = np.where(done & ~settled, outcome, -1)
    closed = np.where(done, closed, NEVER)

    court, case_no = _case_numbers(rng, ctx, firms, filed, cause, amount, defendant)
    return Cases(
        filed=filed, cause=cause, amount=amount, court=court, case_no=case_no, closed=closed,
        status=status, outcome=outcome, party_case=pc, party_firm=pf, party_role=pr,
        patent_case=ip_case, patent=ip_pat, distress=dist,
    )  # fmt: skip


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


def _case_numbers(
    rng: np.random.Generator, ctx: Ctx, firms: Firms, filed: I64, cause: I64, amount: F64,
    defendant: I64,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """Courts (by the defendant's domicile) and numbers like (2024)皖01民初123号."""
    reg = firms.region[defendant]
    level = np.where(cause == IP, 2, np.where(amount >= 5e7, 1, 0))
    # Court key: region * 3 + level; names and codes per key.
    names, codes = [], []
    for r in REGIONS:
        prov = r.province
        names += [r.basic_court, r.intermediate_court,
                  "上海知识产权法院" if prov == "沪" else r.intermediate_court]  # fmt: skip
        codes += [f"{prov}{r.code[2:6]}民初", f"{prov}{r.code[2:4]}民初",
                  "沪73知民初" if prov == "沪" else f"{prov}{r.code[2:4]}知民初"]  # fmt: skip
    key = reg * 3 + level
    code_arr = np.array(codes, dtype=object)[key]
    _, code_id = np.unique(code_arr.astype(str), return_inverse=True)
    year = ctx.years(filed)
    group = year * 10_000 + code_id
    pos = rank_within(group, filed)
    gap = np.where(level == 0, 9, 3)
    seq = 20 + pos * gap + rng.integers(0, 1 << 30, len(filed)) % gap
    case_no = [
        f"({y}){c}{s}号"
        for y, c, s in zip(year.tolist(), code_arr.tolist(), seq.tolist(), strict=True)
    ]
    court = np.array(names, dtype=object)[key].tolist()
    return court, case_no


def litigation_table(ctx: Ctx, firms: Firms, pats: Patents, cases: Cases) -> Table:
    """litigations.jsonl, in filing order."""
    n = len(cases.filed)
    roles = ("plaintiff", "defendant")
    parties: list[list[dict[str, str]]] = [[] for _ in range(n)]
    for c, f, r in zip(cases.party_case.tolist(), cases.party_firm.tolist(),
                       cases.party_role.tolist(), strict=True):  # fmt: skip
        parties[c].append({"uscc": firms.uscc[f], "role": roles[r]})
    numbers = pats.number or []
    linked: list[list[str]] = [[] for _ in range(n)]
    for c, p in zip(cases.patent_case.tolist(), cases.patent.tolist(), strict=True):
        linked[c].append(numbers[p])
    order = np.lexsort((np.arange(n), cases.filed))
    tab = table(
        Col("case_no", "str", cases.case_no),
        Col("court", "str", cases.court),
        Col("filed_on", "date", ctx.dates(cases.filed)),
        Col("closed_on", "date", ctx.dates(cases.closed)),
        Col("cause", "cat", cases.cause, CAUSES),
        Col("amount", "float", cases.amount),
        Col("status", "cat", cases.status, CASE_STATUSES),
        Col("parties", "json", parties),
        Col("patents", "json", linked),
        Col("outcome", "cat", cases.outcome, OUTCOMES),
    )
    return tab.take(order)


def litigation_events(ctx: Ctx, firms: Firms, defaults: Defaults, cases: Cases) -> list[EventBatch]:
    """Filings, lost judgments, enforcement, dishonesty listings and equity freezes."""
    rng = ctx.rng("litigation-events")
    h = ctx.horizon
    pc, pf, pr = cases.party_case, cases.party_firm, cases.party_role
    firm_party = ~firms.lender[pf]
    roles = np.array(["plaintiff", "defendant"])
    out = []

    def batch(kind: str, rows: I64, day: F64, extra: dict[str, list[object]]) -> None:
        inside = (day >= 0) & (day < h)
        rows, day = rows[inside], day[inside]
        keys = list(extra)
        cols = [np.asarray(extra[k], dtype=object)[inside].tolist() for k in keys]
        payloads = [
            {"case_no": cases.case_no[c], **dict(zip(keys, vals, strict=True))}
            for c, *vals in zip(pc[rows].tolist(), *cols, strict=True)
        ]
        out.append(EventBatch(kind, pf[rows], day, payloads))

    rows = np.flatnonzero(firm_party)
    c = pc[rows]
    batch("litigation_filed", rows, cases.filed[c].astype(np.float64), {
        "cause": [CAUSES[x] for x in cases.cause[c].tolist()],
        "role": roles[pr[rows]].tolist(),
        "amount": cases.amount[c].tolist(),
        "court": [cases.court[x] for x in c.tolist()],
    })  # fmt: skip
    out_c = cases.outcome[pc]
    lost = firm_party & (out_c >= 0) & np.where(pr == 1, out_c != 1, out_c == 1)
    rows = np.flatnonzero(lost)
    batch(
        "judgment_lost", rows, cases.closed[pc[rows]], {"amount": cases.amount[pc[rows]].tolist()}
    )
    enf = np.flatnonzero(firm_party & (cases.status[pc] == 3) & (pr == 1))
    enf_day = cases.closed[pc[enf]] + np.floor(rng.uniform(30, 120, len(enf)))
    batch("enforcement_listed", enf, enf_day, {"amount": cases.amount[pc[enf]].tolist()})
    p_dis = np.where(defaults.defaulted[pf[enf]], 0.5, 0.1)
    dis = rng.random(len(enf)) < p_dis
    dis_day = enf_day[dis] + np.floor(rng.uniform(60, 200, int(dis.sum())))
    batch("dishonest_listed", enf[dis], dis_day, {"amount": cases.amount[pc[enf[dis]]].tolist()})
    frz = np.flatnonzero(
        firm_party & (pr == 1) & (cases.distress[pc] == 1) & (cases.amount[pc] > 3e5)
        & (rng.random(len(pc)) < 0.4)
    )  # fmt: skip
    frz_day = np.asarray(cases.filed[pc[frz]] + np.floor(rng.uniform(5, 40, len(frz))), np.float64)
    frozen = np.round(cases.amount[pc[frz]] * rng.uniform(0.5, 1.0, len(frz)), 2)
    batch("equity_frozen", frz, frz_day, {"amount": frozen.tolist()})
    return out
