"""Proving the books: every entry balances, the ledger balances overall, and every loan's
cached balances equal what its journal lines say.

Each check is one aggregate SQL statement, so the whole proof reads the journal a few times
whatever its size. A problem names the entry, the loan and the account concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tortoise import connections

from domain.loanbook.accounts import LOAN_BALANCES, Account, is_debit_normal
from domain.loanbook.ledger import ZERO

MAX_PROBLEMS = 200
BALANCE_FIELDS = tuple(LOAN_BALANCES.values())
# what a loan's `outstanding` (total owed) adds up
OWED_FIELDS = ("principal_outstanding", "interest_outstanding", "penalty_outstanding",
               "fee_outstanding")  # fmt: skip


@dataclass(frozen=True)
class LedgerCheck:
    """The outcome: `ok` when nothing is wrong; `problems` says what is, one line each."""

    ok: bool
    entries: int
    lines: int
    debits: Decimal
    credits: Decimal
    loans: int
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The outcome as JSON (amounts as strings)."""
        return {"ok": self.ok, "entries": self.entries, "lines": self.lines,
                "debits": str(self.debits), "credits": str(self.credits), "loans": self.loans,
                "problems": self.problems}  # fmt: skip


def money(value: Any) -> Decimal:
    """A sum from the database as a Decimal to the fen (SQLite sums text as floats)."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def _rows(sql: str) -> list[dict[str, Any]]:
    return list(await connections.get("default").execute_query_dict(sql))


UNBALANCED_SQL = (
    "SELECT entry_id, SUM(debit) AS d, SUM(credit) AS c FROM journal_line GROUP BY entry_id "
    "HAVING SUM(debit) <> SUM(credit) ORDER BY entry_id LIMIT {limit}"
)
TOTALS_SQL = "SELECT COUNT(*) AS n, SUM(debit) AS d, SUM(credit) AS c FROM journal_line"
LOAN_LINES_SQL = (
    "SELECT loan_id, account, SUM(debit) AS d, SUM(credit) AS c FROM journal_line "
    "WHERE loan_id IS NOT NULL GROUP BY loan_id, account"
)
ORPHAN_SQL = (
    "SELECT l.entry_id, l.loan_id, e.loan_id AS entry_loan FROM journal_line l "
    "JOIN journal_entry e ON e.id = l.entry_id "
    "WHERE l.loan_id IS NOT NULL AND (e.loan_id IS NULL OR e.loan_id <> l.loan_id) LIMIT {limit}"
)
EMPTY_SQL = (
    "SELECT e.id FROM journal_entry e LEFT JOIN journal_line l ON l.entry_id = e.id "
    "WHERE l.id IS NULL ORDER BY e.id LIMIT {limit}"
)


async def check_ledger() -> LedgerCheck:
    """Prove the ledger: balanced entries, debits = credits overall, every loan's cached
    balances (and outstanding = their sum) equal to its journal lines, nothing negative."""
    problems: list[str] = []
    for row in await _rows(UNBALANCED_SQL.format(limit=MAX_PROBLEMS)):
        problems.append(f"entry {row['entry_id']} does not balance: debits {money(row['d'])} "
                        f"!= credits {money(row['c'])}")  # fmt: skip
    for row in await _rows(EMPTY_SQL.format(limit=MAX_PROBLEMS)):
        problems.append(f"entry {row['id']} has no lines")
    for row in await _rows(ORPHAN_SQL.format(limit=MAX_PROBLEMS)):
        problems.append(f"entry {row['entry_id']}: a line of loan {row['loan_id']} in an entry "
                        f"of loan {row['entry_loan']}")  # fmt: skip
    totals = (await _rows(TOTALS_SQL))[0]
    debits, credits = money(totals["d"]), money(totals["c"])
    if debits != credits:
        problems.append(f"the ledger does not balance: debits {debits} != credits {credits}")
    ledger = _ledger_balances(await _rows(LOAN_LINES_SQL))
    cached = await _rows(
        "SELECT id, outstanding, " + ", ".join(BALANCE_FIELDS) + " FROM loan ORDER BY id"
    )
    problems.extend(_loan_problems(cached, ledger))
    entries = (await _rows("SELECT COUNT(*) AS n FROM journal_entry"))[0]["n"]
    kept = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        kept.append(f"... and {len(problems) - MAX_PROBLEMS} more problems")
    return LedgerCheck(ok=not problems, entries=int(entries), lines=int(totals["n"] or 0),
                       debits=debits, credits=credits, loans=len(cached),
                       problems=kept)  # fmt: skip


def _ledger_balances(rows: Iterable[dict[str, Any]]) -> dict[int, dict[str, Decimal]]:
    """Each loan's balance per account in the account's normal direction."""
    found: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        try:
            account = Account(row["account"])
        except ValueError:
            account = None
        d, c = money(row["d"]), money(row["c"])
        balance = d - c if account is None or is_debit_normal(account) else c - d
        found.setdefault(int(row["loan_id"]), {})[row["account"]] = balance
    return found


def _loan_problems(
    cached: list[dict[str, Any]], ledger: dict[int, dict[str, Decimal]]
) -> list[str]:
    """Differences between each loan's row and its ledger, named by loan and account."""
    problems: list[str] = []
    known = set()
    for row in cached:
        loan_id = int(row["id"])
        known.add(loan_id)
        balances = ledger.get(loan_id, {})
        for account in sorted(set(balances) - {a.value for a in Account}):
            problems.append(f"loan {loan_id}: lines on unknown account {account}")
        for account, name in LOAN_BALANCES.items():
            want, have = balances.get(account.value, ZERO), money(row[name])
            if want != have:
                problems.append(f"loan {loan_id}: {name} is {have} but account {account.value} "
                                f"holds {want}")  # fmt: skip
            if want < 0:
                problems.append(f"loan {loan_id}: account {account.value} is negative ({want})")
        owed = sum((money(row[n]) for n in OWED_FIELDS), ZERO)
        if money(row["outstanding"]) != owed:
            problems.append(f"loan {loan_id}: outstanding is {money(row['outstanding'])} but "
                            f"principal + interest + penalty + fees is {owed}")  # fmt: skip
    for loan_id in sorted(set(ledger) - known):
        problems.append(f"journal lines name loan {loan_id}, which does not exist")
    return problems


__all__ = ["LedgerCheck", "check_ledger", "money"]
