"""The SQL behind the portfolio figures: every figure is an aggregate (GROUP BY) computed by the
database, so the cost grows with the number of groups, not of loans.

The "book" is a derived table with one row per loan on the balance sheet: (loan_id,
enterprise_id, p = principal outstanding, owed = total outstanding, dpd, tier), read from the
loans as last closed, or from their month-end snapshots (`loan_month_end`) for a past month.
Dates and codes are written into the statements from typed values (ISO dates, fixed codes),
never from user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from tortoise import connections

from domain.loanbook.accounts import Account
from domain.loanbook.status import LIVE

ON_BOOK = "(" + ", ".join(f"'{s.value}'" for s in sorted(LIVE)) + ")"
PAR_DAYS = (1, 30, 60, 90)
BAD_DAYS = 30  # vintage curves count principal 30 or more days past due


async def rows(sql: str) -> list[dict[str, Any]]:
    """The statement's rows as dicts."""
    return list(await connections.get("default").execute_query_dict(sql))


def dialect() -> str:
    """`postgres` or `sqlite` (the two databases we run on)."""
    return str(connections.get("default").capabilities.dialect)


def month_of(column: str) -> str:
    """SQL for the 'YYYY-MM' month of a timestamp column, in UTC."""
    if dialect() == "postgres":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"
    return f"strftime('%Y-%m', {column})"


def book(month: date | None) -> str:
    """The book as a derived table: live loans, or the snapshot of month end `month`."""
    if month is None:
        return (
            "(SELECT l.id AS loan_id, l.enterprise_id, l.principal_outstanding AS p, "
            "l.outstanding AS owed, l.days_past_due AS dpd, l.classification AS tier "
            f"FROM loan l WHERE l.status IN {ON_BOOK})"
        )
    return (
        "(SELECT m.loan_id, l.enterprise_id, m.principal_outstanding AS p, m.outstanding AS owed, "
        "m.days_past_due AS dpd, m.classification AS tier FROM loan_month_end m "
        f"JOIN loan l ON l.id = m.loan_id WHERE m.month = '{month.isoformat()}' "
        f"AND m.status IN {ON_BOOK})"
    )


async def totals(month: date | None) -> list[dict[str, Any]]:
    """Per classification tier: loans, principal, total owed, PAR balances (one scan; the NPL
    balance is the sum over its tiers)."""
    par = ", ".join(f"SUM(CASE WHEN dpd >= {d} THEN p ELSE 0 END) AS par{d}" for d in PAR_DAYS)
    return await rows(
        f"SELECT tier, COUNT(*) AS loans, SUM(p) AS principal, SUM(owed) AS owed, {par} "
        f"FROM {book(month)} b GROUP BY tier"
    )


async def allowance(through: date | None) -> Any:
    """The loan-loss allowance held (credits minus debits of the account), to a date."""
    account = f"'{Account.LOAN_LOSS_ALLOWANCE.value}'"
    if through is None:
        sql = ("SELECT SUM(credit) - SUM(debit) AS held FROM journal_line "
               f"WHERE account = {account}")  # fmt: skip
    else:
        sql = (
            "SELECT SUM(j.credit) - SUM(j.debit) AS held FROM journal_line j "
            "JOIN journal_entry e ON e.id = j.entry_id "
            f"WHERE j.account = {account} AND e.business_date <= '{through.isoformat()}'"
        )
    return (await rows(sql))[0]["held"]


async def concentration(month: date | None, column: str) -> list[dict[str, Any]]:
    """Loans and principal per value of an enterprise column (industry or region)."""
    if column not in ("industry", "region"):
        raise ValueError(column)
    return await rows(
        f"SELECT e.{column} AS k, COUNT(*) AS loans, SUM(b.p) AS principal FROM {book(month)} b "
        f"JOIN enterprise e ON e.id = b.enterprise_id GROUP BY e.{column}"
    )


async def guaranteed_exposure(month: date | None) -> list[dict[str, Any]]:
    """Principal per borrower (by USCC) of the borrowers party to a guarantee."""
    return await rows(
        f"SELECT e.uscc AS k, COUNT(*) AS loans, SUM(b.p) AS principal FROM {book(month)} b "
        "JOIN enterprise e ON e.id = b.enterprise_id WHERE e.uscc IN "
        "(SELECT src FROM relation WHERE kind = 'guarantee' UNION "
        "SELECT dst FROM relation WHERE kind = 'guarantee') GROUP BY e.uscc"
    )


async def guarantee_edges() -> list[tuple[str, str]]:
    """Every guarantee relation, guarantor to guaranteed (distinct pairs)."""
    found = await rows("SELECT DISTINCT src, dst FROM relation WHERE kind = 'guarantee'")
    return [(r["src"], r["dst"]) for r in found]


async def month_ends(through: date | None, limit: int = 2) -> list[date]:
    """The latest month ends with snapshots, on or before `through`, newest first (one index
    look-up each)."""
    found: list[date] = []
    bound = "" if through is None else f" WHERE month <= '{through.isoformat()}'"
    for _ in range(limit):
        latest = (await rows(f"SELECT MAX(month) AS m FROM loan_month_end{bound}"))[0]["m"]
        if latest is None:
            break
        found.append(as_date(latest))
        bound = f" WHERE month < '{found[-1].isoformat()}'"
    return found


async def cohorts() -> list[dict[str, Any]]:
    """Loans and principal disbursed per month ('YYYY-MM')."""
    cohort = month_of("disbursed_at")
    return await rows(
        f"SELECT {cohort} AS cohort, COUNT(*) AS loans, SUM(principal) AS principal FROM loan "
        f"GROUP BY {cohort}"
    )


async def vintage_points(through: date | None) -> list[dict[str, Any]]:
    """Per disbursement month and month end with any: the principal lent of loans then 30+
    days past due or written off (only those snapshots are joined to their loans)."""
    cohort = month_of("l.disbursed_at")
    where = "" if through is None else f" AND m.month <= '{through.isoformat()}'"
    return await rows(
        f"SELECT {cohort} AS cohort, m.month AS month, SUM(l.principal) AS bad "
        f"FROM loan_month_end m JOIN loan l ON l.id = m.loan_id "
        f"WHERE (m.days_past_due >= {BAD_DAYS} OR m.status = 'WRITTEN_OFF'){where} "
        f"GROUP BY {cohort}, m.month"
    )


async def first_month_end() -> date | None:
    """The earliest month end with snapshots (an index look-up)."""
    found = (await rows("SELECT MIN(month) AS m FROM loan_month_end"))[0]["m"]
    return None if found is None else as_date(found)


def month_ends_between(first: date, last: date) -> list[date]:
    """Every calendar month end from `first`'s month through `last`'s (pure)."""
    out: list[date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = date(year + month // 12, month % 12 + 1, 1)
        out.append(nxt - timedelta(days=1))
        year, month = nxt.year, nxt.month
    return out


async def rolls(previous: date, latest: date) -> list[dict[str, Any]]:
    """Loans and principal (at the earlier month end) per pair of tiers between two month
    ends; a loan with no later snapshot left the book (written off, or closed)."""
    return await rows(
        "SELECT a.classification AS src, COALESCE(b.classification, CASE WHEN l.status = "
        "'WRITTEN_OFF' THEN 'WRITTEN_OFF' ELSE 'CLOSED' END) AS dst, COUNT(*) AS loans, "
        "SUM(a.principal_outstanding) AS principal FROM loan_month_end a "
        "JOIN loan l ON l.id = a.loan_id "
        f"LEFT JOIN loan_month_end b ON b.loan_id = a.loan_id AND b.month = '{latest.isoformat()}' "
        f"WHERE a.month = '{previous.isoformat()}' AND a.status IN {ON_BOOK} "
        "GROUP BY a.classification, COALESCE(b.classification, CASE WHEN l.status = "
        "'WRITTEN_OFF' THEN 'WRITTEN_OFF' ELSE 'CLOSED' END)"
    )


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def last_closed() -> date | None:
    """The last business date the batch closed for any loan."""
    found = (await rows("SELECT MAX(closed_through) AS d FROM loan"))[0]["d"]
    return None if found is None else as_date(found)


def months_between(cohort: str, month: date) -> int:
    """Months on book of a 'YYYY-MM' cohort at a month end (0 in the month lent)."""
    year, mon = (int(x) for x in cohort.split("-"))
    return (month.year - year) * 12 + month.month - mon


def union_groups(edges: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Each party's group (its smallest member) over undirected edges (union-find, pure)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in parent}


__all__ = [
    "PAR_DAYS",
    "allowance",
    "as_date",
    "last_closed",
    "book",
    "cohorts",
    "concentration",
    "guarantee_edges",
    "guaranteed_exposure",
    "month_ends",
    "months_between",
    "rolls",
    "first_month_end",
    "month_ends_between",
    "totals",
    "union_groups",
    "vintage_points",
]
