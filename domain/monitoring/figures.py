"""Batched reads of what the monitor judges borrowers by: loans, collateral, financials.

Every function reads a whole batch of borrowers in a handful of queries, so a sweep of many
borrowers costs a few queries per batch, not per borrower.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.functions import Max

from db.models import (
    ApplicationPatent,
    Enterprise,
    Financial,
    Loan,
    LoanApplication,
    Patent,
    RiskScore,
    Valuation,
)
from domain.monitoring.figure_rules import Figures
from domain.valuation.ltv import LtvTable

ACTIVE = "ACTIVE"
# years of protection from filing (designs filed from June 2021 on get 15, earlier ones 10)
TERMS = {"invention": 20, "utility_model": 10}
DESIGN_CHANGE = date(2021, 6, 1)
CENT = Decimal("0.01")


@dataclass
class Pledge:
    """A patent pledged for a loan, with its latest appraisal."""

    patent_id: int
    number: str
    kind: str
    status: str
    filed_on: date | None
    owner_id: int | None
    value: Decimal | None = None
    valued_at: datetime | None = None
    # the pledge value the loan was granted on, used while no appraisal is stored
    granted_pledge_value: Decimal | None = None


@dataclass
class LoanFacts:
    """An active loan and what is pledged for it."""

    loan_id: int
    application_id: int
    outstanding: Decimal
    pledges: list[Pledge] = field(default_factory=list)


@dataclass
class Borrower:
    """An enterprise with active loans."""

    enterprise_id: int
    uscc: str
    name: str
    loans: list[LoanFacts] = field(default_factory=list)


def protection_end(kind: str, filed_on: date | None) -> date | None:
    """When protection ends, by kind and filing date (None when unknown)."""
    if filed_on is None:
        return None
    years = TERMS.get(kind)
    if years is None and kind == "design":
        years = 15 if filed_on >= DESIGN_CHANGE else 10
    if years is None:
        return None
    try:
        return filed_on.replace(year=filed_on.year + years)
    except ValueError:  # 29 February
        return filed_on.replace(year=filed_on.year + years, day=28)


def pledge_worth(pledge: Pledge, *, borrower_id: int, as_of: date, ltv: LtvTable) -> Decimal | None:
    """What a pledged patent covers now: appraisal x LTV rate; 0 once lost; None if unknown."""
    if pledge.status != "granted" or pledge.owner_id != borrower_id:
        return Decimal(0)
    if pledge.value is None:
        return pledge.granted_pledge_value
    end = protection_end(pledge.kind, pledge.filed_on)
    remaining = 0.0 if end is None else max(0.0, (end - as_of).days / 365.25)
    rate = Decimal(str(ltv.rate(pledge.kind, remaining)))
    return (pledge.value * rate).quantize(CENT)


def collateral(
    borrower: Borrower, loan: LoanFacts, *, as_of: date, ltv: LtvTable
) -> Decimal | None:
    """The loan's collateral value; None when nothing is pledged or nothing is known."""
    worths = [
        pledge_worth(p, borrower_id=borrower.enterprise_id, as_of=as_of, ltv=ltv)
        for p in loan.pledges
    ]
    known = [w for w in worths if w is not None]
    if not loan.pledges or not known:
        return None
    return sum(known, Decimal(0))


async def load_borrowers(enterprise_ids: list[int]) -> list[Borrower]:
    """The enterprises among `enterprise_ids` with active loans, their loans and pledges."""
    loans = (
        await Loan.filter(enterprise_id__in=enterprise_ids, status=ACTIVE)
        .order_by("-id")
        .values("id", "enterprise_id", "application_id", "outstanding")
    )
    if not loans:
        return []
    firms = {
        row["id"]: row
        for row in await Enterprise.filter(id__in={r["enterprise_id"] for r in loans}).values(
            "id", "uscc", "name"
        )
    }
    application_ids = [r["application_id"] for r in loans]
    links = await ApplicationPatent.filter(application_id__in=application_ids).values(
        "application_id", "patent_id"
    )
    patent_ids = sorted({r["patent_id"] for r in links})
    patents = {
        p["id"]: p
        for p in await Patent.filter(id__in=patent_ids).values(
            "id", "number", "kind", "status", "filed_on", "owner_id"
        )
    }
    latest = await latest_valuations(patent_ids)
    granted = await _granted_pledge_values(application_ids) if links else {}
    by_app: dict[int, list[int]] = defaultdict(list)
    for link in links:
        by_app[link["application_id"]].append(link["patent_id"])
    borrowers: dict[int, Borrower] = {}
    for row in loans:
        firm = firms[row["enterprise_id"]]
        borrower = borrowers.setdefault(
            firm["id"], Borrower(firm["id"], firm["uscc"], firm["name"])
        )
        facts = LoanFacts(row["id"], row["application_id"], Decimal(row["outstanding"]))
        for pid in sorted(by_app.get(row["application_id"], [])):
            p = patents[pid]
            value, at = latest.get(pid, (None, None))
            facts.pledges.append(
                Pledge(
                    patent_id=pid,
                    number=p["number"],
                    kind=p["kind"],
                    status=p["status"],
                    filed_on=p["filed_on"],
                    owner_id=p["owner_id"],
                    value=value,
                    valued_at=at,
                    granted_pledge_value=granted.get((row["application_id"], p["number"])),
                )
            )
        borrower.loans.append(facts)
    return [borrowers[i] for i in sorted(borrowers)]


async def latest_valuations(patent_ids: list[int]) -> dict[int, tuple[Decimal, datetime]]:
    """patent id -> (appraised value, when) of its newest valuation (two queries)."""
    if not patent_ids:
        return {}
    newest = await (
        Valuation.filter(patent_id__in=patent_ids)
        .group_by("patent_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    rows = await Valuation.filter(id__in=list(newest)).values("patent_id", "value", "created_at")
    return {r["patent_id"]: (Decimal(r["value"]), r["created_at"]) for r in rows}


async def _granted_pledge_values(application_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """(application, patent number) -> the pledge value the decision relied on."""
    out: dict[tuple[int, str], Decimal] = {}
    for application_id, decision in await LoanApplication.filter(
        id__in=application_ids
    ).values_list("id", "decision"):
        inputs: Any = (decision or {}).get("inputs") if isinstance(decision, dict) else None
        values = (inputs or {}).get("pledge_values", {}) if isinstance(inputs, dict) else {}
        for number, value in values.items():
            try:
                out[(int(application_id), str(number))] = Decimal(str(value))
            except ArithmeticError:
                continue
    return out


def _period_key(period: str) -> tuple[int, int]:
    """(year, quarter) with quarter 0 for a full year."""
    if len(period) == 6 and period[4] == "Q":
        return int(period[:4]), int(period[5])
    return int(period[:4]), 0


def _period_end(key: tuple[int, int]) -> tuple[int, int]:
    year, quarter = key
    return (year, 12) if quarter == 0 else (year, quarter * 3)


async def financial_figures(enterprise_ids: list[int]) -> dict[int, Figures]:
    """Each enterprise's latest statement against the same period a year before."""
    rows = await Financial.filter(enterprise_id__in=enterprise_ids).values(
        "enterprise_id", "period", "revenue", "net_profit"
    )
    grouped: dict[int, dict[tuple[int, int], dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        try:
            grouped[r["enterprise_id"]][_period_key(str(r["period"]))] = r
        except ValueError:
            continue
    out: dict[int, Figures] = {}
    for enterprise_id, periods in grouped.items():
        latest = max(periods, key=lambda k: (_period_end(k), k[1] == 0))
        prev = periods.get((latest[0] - 1, latest[1]))
        cur = periods[latest]
        out[enterprise_id] = Figures(
            period=str(cur["period"]),
            revenue=_dec(cur["revenue"]),
            net_profit=_dec(cur["net_profit"]),
            previous_period=None if prev is None else str(prev["period"]),
            previous_revenue=None if prev is None else _dec(prev["revenue"]),
            previous_net_profit=None if prev is None else _dec(prev["net_profit"]),
        )
    return out


async def latest_graph_risk(enterprise_ids: list[int]) -> dict[int, float]:
    """Each enterprise's graph risk from its newest score that has one."""
    rows = await (
        RiskScore.filter(enterprise_id__in=enterprise_ids, graph_risk__isnull=False)
        .order_by("enterprise_id", "-id")
        .values("enterprise_id", "graph_risk")
    )
    out: dict[int, float] = {}
    for r in rows:
        out.setdefault(r["enterprise_id"], float(r["graph_risk"]))
    return out


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)
