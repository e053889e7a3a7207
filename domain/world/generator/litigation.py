"""Litigation: the suits of every kind (see suits) as court cases with amounts, judgments,
settlements and enforcement, court names and case numbers; litigations.jsonl and its events."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64, B, rank_within
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import Firms
from domain.world.generator.events import EventBatch
from domain.world.generator.networks import Network
from domain.world.generator.patents import Patents
from domain.world.generator.reference import CAUSES, REGIONS
from domain.world.generator.suits import (
    IP,
    LOAN,
    distress_suits,
    filed_in_time,
    ip_suits,
    lender_suits,
    ordinary_suits,
    parties,
)
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import NEVER, Ctx

AMOUNT_MEDIAN = np.array([3e5, 2e6, 5e5, 6e4, 1e6, 1.5e5])
DURATION_MEDIAN = np.array([130.0, 100.0, 420.0, 160.0, 260.0, 150.0])
SETTLE = np.array([0.30, 0.15, 0.25, 0.35, 0.30, 0.30])
PLAINTIFF_WINS = np.array([0.65, 0.90, 0.60, 0.55, 0.45, 0.50])
CASE_STATUSES = ["pending", "judged", "settled", "enforcing", "closed"]
OUTCOMES = ["won", "lost", "partial"]


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
    ordinary = ordinary_suits(ctx, rng, firms, net)
    in_trouble = distress_suits(rng, firms, net, defaults)
    infringement, ip_pat = ip_suits(ctx, rng, firms, pats)
    single, ip_pat = filed_in_time(ctx.horizon, [ordinary, in_trouble, infringement], ip_pat)
    n_single = len(single.day)
    lenders = lender_suits(ctx, rng, firms, net, defaults, n_single)
    pc, pf, pr = parties(single, lenders)
    filed = np.r_[single.day.astype(np.int64), lenders.day.astype(np.int64)]
    cause = np.r_[single.cause, np.full(len(lenders.borrower), LOAN)]
    dist = np.r_[single.distress, np.ones(len(lenders.borrower), np.int64)]
    defendant = np.r_[single.defendant, lenders.borrower]

    amount = AMOUNT_MEDIAN[cause] * np.exp(
        rng.standard_normal(len(filed)) + 0.3 * firms.size[defendant]
    )
    amount[n_single:] = np.maximum(amount[n_single:], 1.2 * lenders.guaranteed)
    amount = np.round(amount, 2)
    closed, status, outcome, ip_case = _judgments(
        ctx, rng, defaults, pats, filed, cause, dist, defendant, ip_pat
    )
    court, case_no = _case_numbers(rng, ctx, firms, filed, cause, amount, defendant)
    return Cases(
        filed=filed, cause=cause, amount=amount, court=court, case_no=case_no, closed=closed,
        status=status, outcome=outcome, party_case=pc, party_firm=pf, party_role=pr,
        patent_case=ip_case, patent=ip_pat, distress=dist,
    )  # fmt: skip


def _judgments(
    ctx: Ctx, rng: np.random.Generator, defaults: Defaults, pats: Patents, filed: I64, cause: I64,
    dist: I64, defendant: I64, ip_pat: I64,
) -> tuple[F64, I64, I64, I64]:  # fmt: skip
    """Judgments, settlements and enforcement: closing day, status and outcome of each case, and
    the infringement cases (whose patents may fall)."""
    h = ctx.horizon
    n_cases = len(filed)
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
    _counter_invalidations(rng, pats, filed, ip_case, ip_pat, closed, outcome, settled)
    done = closed < h
    status = np.select(
        [~done, settled, troubled_d & (outcome != 1), closed < h - 120],
        [0, 2, 3, 4],
        1,
    )
    outcome = np.where(done & ~settled, outcome, -1)
    closed = np.where(done, closed, NEVER)
    return closed, status, outcome, ip_case


def _counter_invalidations(
    rng: np.random.Generator, pats: Patents, filed: I64, ip_case: I64, ip_pat: I64, closed: F64,
    outcome: I64, settled: B,
) -> None:  # fmt: skip
    """Defendants often counter with an invalidation request; some patents fall, and so do the
    suits (updates `pats`, `closed`, `outcome` and `settled` in place)."""
    fall = rng.random(len(ip_case)) < 0.3 * 0.35 * np.exp(-0.5 * pats.quality[ip_pat])
    inval = filed[ip_case] + rng.integers(120, 400, len(ip_case))
    pats.invalidated[ip_pat[fall]] = np.minimum(pats.invalidated[ip_pat[fall]], inval[fall])
    outcome[ip_case[fall]] = 1
    settled[ip_case[fall]] = False
    closed[ip_case[fall]] = np.maximum(closed[ip_case[fall]], inval[fall] + 30)


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
