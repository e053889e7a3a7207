"""Portfolio analytics for risk managers: portfolio at risk, NPL ratio, provisions and coverage,
vintage curves, a month-to-month roll-rate matrix and concentration (industry, region and
guarantee group), as figures and as CSV.

Definitions (principal outstanding is the measure of exposure throughout):

- the book: loans on the balance sheet (ACTIVE, OVERDUE, RESTRUCTURED);
- PAR k: principal of loans k or more days past due over the book's principal (k = 1, 30, 60,
  90); NPL ratio: principal classified SUBSTANDARD, DOUBTFUL or LOSS over the book's;
- provisions: the loan-loss allowance held in the ledger; coverage: provisions over the NPL
  principal (None without NPLs);
- vintage: for each disbursement month and month end, the principal lent of that month's loans
  then 30 or more days past due or written off, over the principal lent that month;
- roll rates: between the last two month ends, the share of each tier's principal (at the
  first) found in each tier at the second, or off the book (WRITTEN_OFF, CLOSED);
- guarantee group: enterprises connected through guarantees either way (connected components).

Without `as_of` the figures are the loans as the end-of-day batch last left them; with it,
the month-end snapshot of the last month end on or before that date (vintages and roll rates
stop there too).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from db.models import Role
from domain.accounts.principal import Principal
from domain.errors import Forbidden
from domain.loanbook import portfolio_rows as q
from domain.loanbook.check import money
from domain.loanbook.classification import NON_PERFORMING, Classification

READERS = frozenset({Role.RISK_MANAGER, Role.LOAN_OFFICER})
TOP = 20  # groups listed per concentration; the rest are summed as OTHER
RATIO = Decimal("0.000001")


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole to six places (None when whole is zero)."""
    if not whole:
        return None
    return (part / whole).quantize(RATIO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Share:
    """A slice of the book: loans, principal and share of the book's principal."""

    key: str
    loans: int
    principal: Decimal
    share: Decimal | None
    detail: str = ""


@dataclass(frozen=True)
class VintagePoint:
    """One point of a vintage curve."""

    cohort: str  # disbursement month, YYYY-MM
    month_end: date
    months_on_book: int
    disbursed: Decimal
    bad: Decimal  # principal lent of loans 30+ days past due or written off then
    share: Decimal | None


@dataclass(frozen=True)
class Roll:
    """One cell of the roll-rate matrix."""

    source: str
    target: str
    loans: int
    principal: Decimal
    rate: Decimal | None  # share of the source tier's principal


@dataclass(frozen=True)
class Portfolio:
    """The portfolio figures (see the module's definitions)."""

    as_of: date | None
    snapshot: date | None  # the month end read, None for the loans as last closed
    loans: int
    principal: Decimal
    outstanding: Decimal
    par: dict[int, Decimal | None]
    par_principal: dict[int, Decimal]
    npl_principal: Decimal
    npl_ratio: Decimal | None
    provisions: Decimal
    coverage: Decimal | None
    tiers: list[Share] = field(default_factory=list)
    vintages: list[VintagePoint] = field(default_factory=list)
    roll_from: date | None = None
    roll_to: date | None = None
    rolls: list[Roll] = field(default_factory=list)
    by_industry: list[Share] = field(default_factory=list)
    by_region: list[Share] = field(default_factory=list)
    by_guarantee_group: list[Share] = field(default_factory=list)


def require_reader(principal: Principal) -> None:
    """Portfolio analytics are for risk managers and loan officers."""
    if principal.role not in READERS:
        raise Forbidden("portfolio analytics are for risk managers and loan officers")


async def portfolio(*, principal: Principal, as_of: date | None = None) -> Portfolio:
    """The portfolio figures now, or at the last month end on or before `as_of`."""
    require_reader(principal)
    snapshot = await _snapshot(as_of)
    pairs = await q.month_ends(as_of, limit=2)
    roll_to, roll_from = (pairs[0], pairs[1]) if len(pairs) == 2 else (None, None)
    # independent aggregates: run side by side on the pool's connections
    tiers, held, vintages, rolls, industry, region, groups = await asyncio.gather(
        q.totals(snapshot), q.allowance(snapshot),
        _vintages(as_of, pairs[0] if pairs else None), _rolls(roll_from, roll_to),
        q.concentration(snapshot, "industry"), q.concentration(snapshot, "region"),
        _groups(snapshot),
    )  # fmt: skip
    book = sum((money(r["principal"]) for r in tiers), Decimal("0.00"))
    par_principal = {d: sum((money(r[f"par{d}"]) for r in tiers), Decimal("0.00"))
                     for d in q.PAR_DAYS}  # fmt: skip
    npl = sum((money(r["principal"]) for r in tiers if r["tier"] in NON_PERFORMING),
              Decimal("0.00"))  # fmt: skip
    provisions = money(held)
    return Portfolio(
        as_of=as_of, snapshot=snapshot, loans=sum(int(r["loans"]) for r in tiers),
        principal=book, outstanding=sum((money(r["owed"]) for r in tiers), Decimal("0.00")),
        par={d: ratio(v, book) for d, v in par_principal.items()}, par_principal=par_principal,
        npl_principal=npl, npl_ratio=ratio(npl, book), provisions=provisions,
        coverage=ratio(provisions, npl), tiers=_tiers(tiers, book), vintages=vintages,
        roll_from=roll_from, roll_to=roll_to, rolls=rolls, by_industry=_top(industry, book),
        by_region=_top(region, book), by_guarantee_group=_top(groups, book),
    )  # fmt: skip


async def _snapshot(as_of: date | None) -> date | None:
    """The month end to read for `as_of`; None (the loans as last closed) without one, or when
    the batch has not closed a day after it."""
    if as_of is None:
        return None
    closed = await q.last_closed()
    if closed is None or as_of >= closed:
        return None
    found = await q.month_ends(as_of, limit=1)
    return found[0] if found else as_of


def _tiers(found: list[dict[str, Any]], book: Decimal) -> list[Share]:
    by_tier = {r["tier"]: r for r in found}
    out = []
    for tier in Classification:
        row = by_tier.get(tier.value, {"loans": 0, "principal": None})
        p = money(row["principal"])
        out.append(Share(tier.value, int(row["loans"]), p, ratio(p, book)))
    return out


def _top(found: list[dict[str, Any]], book: Decimal, top: int = TOP) -> list[Share]:
    """The `top` largest slices and the rest summed as OTHER."""
    shares = sorted(
        (Share(str(r["k"] or "UNKNOWN"), int(r["loans"]), money(r["principal"]), None,
               str(r.get("detail", ""))) for r in found),
        key=lambda s: (-s.principal, s.key),
    )  # fmt: skip
    head, rest = shares[:top], shares[top:]
    if rest:
        head.append(Share("OTHER", sum(s.loans for s in rest),
                          sum((s.principal for s in rest), Decimal("0.00")), None,
                          f"{len(rest)} more"))  # fmt: skip
    return [Share(s.key, s.loans, s.principal, ratio(s.principal, book), s.detail) for s in head]


async def _groups(snapshot: date | None) -> list[dict[str, Any]]:
    """Exposure per guarantee group, named by its smallest USCC."""
    exposure, edges = await asyncio.gather(q.guaranteed_exposure(snapshot), q.guarantee_edges())
    if not exposure:
        return []
    groups = q.union_groups(edges)
    sizes: dict[str, int] = defaultdict(int)
    for root in groups.values():
        sizes[root] += 1
    merged: dict[str, dict[str, Any]] = {}
    for row in exposure:
        root = groups.get(row["k"], row["k"])
        slot = merged.setdefault(root, {"k": root, "loans": 0, "principal": Decimal("0.00"),
                                        "borrowers": 0})  # fmt: skip
        slot["loans"] += int(row["loans"])
        slot["principal"] += money(row["principal"])
        slot["borrowers"] += 1
    for slot in merged.values():
        slot["detail"] = f"{sizes[slot['k']]} parties, {slot['borrowers']} borrowers"
    return list(merged.values())


async def _vintages(as_of: date | None, latest: date | None) -> list[VintagePoint]:
    """Every cohort at every month end from its first through `latest` (0 where none was bad)."""
    first = await q.first_month_end()
    if latest is None or first is None:
        return []
    lent = {str(r["cohort"]): money(r["principal"]) for r in await q.cohorts()}
    bad = {(str(r["cohort"]), q.as_date(r["month"])): money(r["bad"])
           for r in await q.vintage_points(as_of)}  # fmt: skip
    points = []
    for month in q.month_ends_between(first, latest):
        for cohort, disbursed in lent.items():
            mob = q.months_between(cohort, month)
            if mob < 0:
                continue
            b = bad.get((cohort, month), Decimal("0.00"))
            points.append(VintagePoint(cohort, month, mob, disbursed, b, ratio(b, disbursed)))
    return sorted(points, key=lambda v: (v.cohort, v.month_end))


async def _rolls(previous: date | None, latest: date | None) -> list[Roll]:
    if previous is None or latest is None:
        return []
    found = await q.rolls(previous, latest)
    base: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for row in found:
        base[row["src"]] += money(row["principal"])
    cells = [Roll(r["src"], r["dst"], int(r["loans"]), money(r["principal"]),
                  ratio(money(r["principal"]), base[r["src"]])) for r in found]  # fmt: skip
    order = {t.value: i for i, t in enumerate(Classification)} | {"WRITTEN_OFF": 5, "CLOSED": 6}
    return sorted(cells, key=lambda c: (order.get(c.source, 9), order.get(c.target, 9)))


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


async def portfolio_csv(*, principal: Principal, as_of: date | None = None) -> str:
    """The portfolio as one CSV table: section, key, detail, loans, principal, ratio."""
    p = await portfolio(principal=principal, as_of=as_of)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "key", "detail", "loans", "principal", "ratio"])
    w.writerow(["book", "total", str(p.snapshot or "latest"), p.loans, p.principal, ""])
    w.writerow(["book", "outstanding", "principal, interest, penalty, fees", p.loans,
                p.outstanding, ""])  # fmt: skip
    for d in q.PAR_DAYS:
        w.writerow(["par", f"PAR{d}", f"{d}+ days past due", "", p.par_principal[d],
                    _text(p.par[d])])  # fmt: skip
    w.writerow(["npl", "NPL", "substandard, doubtful, loss", "", p.npl_principal,
                _text(p.npl_ratio)])  # fmt: skip
    w.writerow(["provisions", "allowance", "coverage of NPL", "", p.provisions,
                _text(p.coverage)])  # fmt: skip
    sections = (("classification", p.tiers), ("industry", p.by_industry),
                ("region", p.by_region), ("guarantee_group", p.by_guarantee_group))  # fmt: skip
    for name, shares in sections:
        for s in shares:
            w.writerow([name, s.key, s.detail, s.loans, s.principal, _text(s.share)])
    for v in p.vintages:
        w.writerow(["vintage", v.cohort, f"{v.month_end} mob {v.months_on_book}", "", v.bad,
                    _text(v.share)])  # fmt: skip
    for r in p.rolls:
        w.writerow(["roll_rate", f"{r.source}->{r.target}", f"{p.roll_from} to {p.roll_to}",
                    r.loans, r.principal, _text(r.rate)])  # fmt: skip
    return out.getvalue()


__all__ = [
    "READERS",
    "Portfolio",
    "Roll",
    "Share",
    "VintagePoint",
    "portfolio",
    "portfolio_csv",
    "ratio",
]
