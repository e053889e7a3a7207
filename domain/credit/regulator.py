"""The regulator's inclusive-finance figures (普惠小微 "两增两控") by month.

Who counts as small and micro is data (regulator.json): a borrower whose total credit with the
bank (the limits of its credit lines not closed, plus the principal of live loans drawn on no
line) is at most 10,000,000.00 (the single-account rule, 单户授信总额1000万元及以下) and whose
headcount, where known, is below 300. The definition is applied with the borrowers' data as it
stands today, to the month and to the year-start baseline alike.

Balances are principal outstanding of loans ACTIVE, OVERDUE or RESTRUCTURED: for a past month
as the end-of-day batch left them on its last day (the month-end snapshot), for the current
month as they stand now; the baseline is last year's December month end. The two increases:
inclusive loans grow (since year start) at least as fast as all loans, and inclusive borrowers
are not fewer than at last year end; the two controls: the NPL ratio of inclusive loans
(SUBSTANDARD, DOUBTFUL, LOSS) and the principal-weighted average annual rate of inclusive
loans disbursed in the month. First loans (首贷) and the tech breakdown (high-tech,
specialised-and-innovative 专精特新) come with them.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from db.models import CreditLine, Enterprise, Loan, LoanMonthEnd, Role
from domain.accounts.principal import Principal
from domain.errors import InvalidInput

RULES_FILE = Path(__file__).with_name("regulator.json")
# who reads the figures: as the portfolio analytics (loan officers and risk managers)
READERS = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER})
RATIO = Decimal("0.000001")
ZERO = Decimal("0.00")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """The definitions (checked: a positive credit cap and headcount)."""
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    rule = raw["inclusive_small_micro"]
    if Decimal(rule["single_account_credit_max"]) <= 0 or int(rule["employees_below"]) <= 0:
        raise ValueError("the small-and-micro definition needs a positive cap and headcount")
    return raw


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole to six places (None when whole is zero)."""
    if not whole:
        return None
    return (part / whole).quantize(RATIO, rounding=ROUND_HALF_UP)


def growth(now: Decimal, then: Decimal) -> Decimal | None:
    """(now - then) / then (None without a base)."""
    return ratio(now - then, then)


@dataclass(frozen=True)
class Holding:
    """One loan's balance at a date, as the report reads it."""

    loan_id: int
    enterprise_id: int
    principal_outstanding: Decimal
    classification: str


@dataclass(frozen=True)
class Drawing:
    """One loan disbursed in the month."""

    loan_id: int
    enterprise_id: int
    principal: Decimal
    annual_rate: Decimal
    first_loan: bool


@dataclass(frozen=True)
class Segment:
    """The figures of one slice of the book (all loans, inclusive, high-tech...)."""

    key: str
    borrowers: int
    loans: int
    balance: Decimal
    npl_balance: Decimal
    npl_ratio: Decimal | None
    disbursed_loans: int
    disbursed_amount: Decimal
    average_rate: Decimal | None  # principal-weighted, of the loans disbursed in the month
    first_loans: int
    first_loan_amount: Decimal


@dataclass(frozen=True)
class RegulatorReport:
    """The month's inclusive-finance report."""

    month: str
    as_of: date
    source: str  # MONTH_END or CURRENT
    definition: str
    all_loans: Segment
    inclusive: Segment
    tech: tuple[Segment, ...]
    all_balance_year_start: Decimal
    inclusive_balance_year_start: Decimal
    inclusive_borrowers_year_start: int
    all_growth: Decimal | None
    inclusive_growth: Decimal | None
    growth_ok: bool | None  # inclusive growth at least all loans' growth
    borrowers_ok: bool  # inclusive borrowers not below last year end


def parse_month(text: str) -> tuple[date, date]:
    """ "2026-11" -> (2026-11-01, 2026-11-30) (INVALID_INPUT otherwise)."""
    match = _MONTH.match(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise InvalidInput("month must look like 2026-11", field="month")
    first = date(int(match[1]), int(match[2]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def segment(
    key: str,
    holdings: Iterable[Holding],
    drawings: Iterable[Drawing],
    npl: frozenset[str],
) -> Segment:
    """A slice's figures from its balances and its month's drawings (pure)."""
    held = [h for h in holdings if h.principal_outstanding > 0]
    drawn = list(drawings)
    balance = sum((h.principal_outstanding for h in held), ZERO)
    bad = sum((h.principal_outstanding for h in held if h.classification in npl), ZERO)
    amount = sum((d.principal for d in drawn), ZERO)
    weighted = sum((d.principal * d.annual_rate for d in drawn), Decimal(0))
    first = [d for d in drawn if d.first_loan]
    return Segment(
        key=key,
        borrowers=len({h.enterprise_id for h in held}),
        loans=len(held),
        balance=balance,
        npl_balance=bad,
        npl_ratio=ratio(bad, balance),
        disbursed_loans=len(drawn),
        disbursed_amount=amount,
        average_rate=ratio(weighted, amount),
        first_loans=len(first),
        first_loan_amount=sum((d.principal for d in first), ZERO),
    )


async def _holdings_now(statuses: list[str]) -> list[Holding]:
    rows = await Loan.filter(status__in=statuses).values_list(
        "id", "enterprise_id", "principal_outstanding", "classification"
    )
    return [Holding(i, e, Decimal(p), c) for i, e, p, c in rows]


async def _holdings_at(month_end: date, statuses: list[str]) -> list[Holding]:
    rows = await LoanMonthEnd.filter(month=month_end, status__in=statuses).values_list(
        "loan_id", "loan__enterprise_id", "principal_outstanding", "classification"
    )
    return [Holding(i, e, Decimal(p), c) for i, e, p, c in rows]


async def _drawings(first: date, last: date) -> list[Drawing]:
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    rows = await Loan.filter(disbursed_at__gte=start, disbursed_at__lt=end).values_list(
        "id", "enterprise_id", "principal", "annual_rate", "first_loan"
    )
    return [Drawing(i, e, Decimal(p), Decimal(r), bool(f)) for i, e, p, r, f in rows]


async def inclusive_borrowers(enterprise_ids: set[int], rules: dict[str, Any]) -> set[int]:
    """The enterprises among these that are small and micro by the rules' definition."""
    if not enterprise_ids:
        return set()
    rule = rules["inclusive_small_micro"]
    cap = Decimal(rule["single_account_credit_max"])
    below = int(rule["employees_below"])
    credit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for enterprise_id, limit in await CreditLine.filter(
        enterprise_id__in=enterprise_ids, status__not="CLOSED"
    ).values_list("enterprise_id", "limit"):
        credit[enterprise_id] += Decimal(limit)
    for enterprise_id, principal in await Loan.filter(
        enterprise_id__in=enterprise_ids,
        credit_line_id__isnull=True,
        status__in=rules["balance_statuses"],
    ).values_list("enterprise_id", "principal"):
        credit[enterprise_id] += Decimal(principal)
    staff = dict(await Enterprise.filter(id__in=enterprise_ids).values_list("id", "employees"))
    return {
        e for e in enterprise_ids if credit[e] <= cap and (staff.get(e) is None or staff[e] < below)
    }


async def report(
    *,
    principal: Principal,
    month: str,
    today: date | None = None,
    rules: dict[str, Any] | None = None,
) -> RegulatorReport:
    """The month's figures (loan officers and risk managers). A future month is refused."""
    principal.require_role(*(r for r in Role if r in READERS))
    first, last = parse_month(month)
    rules = rules or load_rules()
    today = today or datetime.now(UTC).date()
    if first > today:
        raise InvalidInput("the month has not begun", field="month")
    statuses = list(rules["balance_statuses"])
    current = last >= today
    holdings = await (_holdings_now(statuses) if current else _holdings_at(last, statuses))
    baseline = await _holdings_at(date(first.year - 1, 12, 31), statuses)
    drawings = await _drawings(first, min(last, today))
    everyone = {h.enterprise_id for h in holdings + baseline} | {d.enterprise_id for d in drawings}
    inclusive = await inclusive_borrowers(everyone, rules)
    flags = {
        i: (bool(h), bool(s))
        for i, h, s in await Enterprise.filter(id__in=everyone).values_list(
            "id", "high_tech", "srdi"
        )
    }
    npl = frozenset(rules["npl_classifications"])
    return _assemble(
        month, last if not current else today, "CURRENT" if current else "MONTH_END",
        rules, holdings, baseline, drawings, inclusive, flags, npl,
    )  # fmt: skip


def _assemble(
    month: str,
    as_of: date,
    source: str,
    rules: dict[str, Any],
    holdings: list[Holding],
    baseline: list[Holding],
    drawings: list[Drawing],
    inclusive: set[int],
    flags: dict[int, tuple[bool, bool]],
    npl: frozenset[str],
) -> RegulatorReport:
    """The report from what was read (pure)."""

    def only(keep: set[int]) -> tuple[list[Holding], list[Drawing]]:
        return (
            [h for h in holdings if h.enterprise_id in keep],
            [d for d in drawings if d.enterprise_id in keep],
        )

    all_loans = segment("ALL", holdings, drawings, npl)
    inc = segment("INCLUSIVE", *only(inclusive), npl)
    tests = {
        "HIGH_TECH": lambda e: flags.get(e, (False, False))[0],
        "SRDI": lambda e: flags.get(e, (False, False))[1],
        "TECH": lambda e: any(flags.get(e, (False, False))),
    }
    tech = tuple(
        segment(key, *only({e for e in inclusive if test(e)}), npl) for key, test in tests.items()
    )
    base_all = segment("ALL", baseline, (), npl)
    base_inc = segment("INCLUSIVE", [h for h in baseline if h.enterprise_id in inclusive], (), npl)
    all_growth = growth(all_loans.balance, base_all.balance)
    inc_growth = growth(inc.balance, base_inc.balance)
    return RegulatorReport(
        month=month,
        as_of=as_of,
        source=source,
        definition=rules["inclusive_small_micro"]["description"],
        all_loans=all_loans,
        inclusive=inc,
        tech=tech,
        all_balance_year_start=base_all.balance,
        inclusive_balance_year_start=base_inc.balance,
        inclusive_borrowers_year_start=base_inc.borrowers,
        all_growth=all_growth,
        inclusive_growth=inc_growth,
        growth_ok=None if inc_growth is None or all_growth is None else inc_growth >= all_growth,
        borrowers_ok=inc.borrowers >= base_inc.borrowers,
    )


__all__ = [
    "READERS",
    "RULES_FILE",
    "Drawing",
    "Holding",
    "RegulatorReport",
    "Segment",
    "growth",
    "inclusive_borrowers",
    "load_rules",
    "parse_month",
    "ratio",
    "report",
    "segment",
]
