"""Validated world records as database rows, and the facts the import checks about each.

A builder turns a record into (facts, payload). The facts are the few values the import keeps
or checks across lines: the natural key and the references. The payload is the row in the
order of the table's columns after its `prefix`: scalars ready to store (dates as ISO text,
amounts as decimal text, JSON as text), so that it crosses processes cheaply. The prefix columns
(foreign keys, counts) are filled in by the writer, which knows the ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from db.bulk import json_text

Record = dict[str, Any]
Facts = tuple[Any, ...]
Payload = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    """Where a file's records go, and how a stored row is recognised again."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # natural key columns; the first one is looked up with IN / ANY
    prefix: int = 0  # leading columns the writer fills in (ids, counts)


ENTERPRISE = Table(
    "enterprise",
    ("uscc", "name", "founded_on", "registered_capital", "industry", "region", "employees",
     "high_tech", "srdi", "status", "extra", "settlement_account", "legal_rep_contact",
     "registered", "created_at"),
    ("uscc",),
)  # fmt: skip
PERSON = Table("person", ("person_id", "name", "extra"), ("person_id",))
RELATION = Table(
    "relation",
    ("kind", "src", "dst", "amount", "ratio", "role", "since", "extra", "fingerprint"),
    ("fingerprint",),
)
PATENT = Table(
    "patent",
    ("owner_id", "forward_citations", "number", "title", "ipc", "kind", "filed_on",
     "granted_on", "status", "claims", "independent_claims", "inventors", "family_size",
     "transfers", "licenses", "pledged", "annuity_paid_through", "transaction_price", "extra"),
    ("number",),
    prefix=2,
)  # fmt: skip
CITATION = Table("patent_citation", ("citing", "cited"), ("citing", "cited"))
LITIGATION = Table(
    "litigation",
    ("case_no", "court", "filed_on", "closed_on", "cause", "amount", "status", "outcome", "extra"),
    ("case_no",),
)
PARTY = Table("litigation_party", ("litigation_id", "enterprise_id", "role", "position"), ())
LINK = Table("litigation_patent", ("litigation_id", "patent_id", "position"), ())
TAX = Table(
    "tax_record",
    ("enterprise_id", "year", "rating", "revenue", "tax_paid", "arrears"),
    ("enterprise_id", "year"),
    prefix=1,
)
FINANCIAL = Table(
    "financial",
    ("enterprise_id", "period", "revenue", "net_profit", "total_assets", "total_liabilities",
     "current_assets", "current_liabilities", "cash", "rd_expense", "operating_cash_flow"),
    ("enterprise_id", "period"),
    prefix=1,
)  # fmt: skip
EVENT = Table(
    "event",
    ("event_id", "uscc", "occurred_at", "type", "payload", "received_at", "processed_at",
     "source"),
    ("event_id",),
)  # fmt: skip
OUTCOME = Table("outcome", ("uscc", "defaulted", "as_of", "default_date"), ("uscc", "as_of"))

TABLES = {
    "enterprises": ENTERPRISE, "persons": PERSON, "relations": RELATION, "patents": PATENT,
    "patent_citations": CITATION, "litigations": LITIGATION, "tax": TAX,
    "financials": FINANCIAL, "events": EVENT, "outcomes": OUTCOME,
}  # fmt: skip


CENT = Decimal("0.01")


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json_text(value)


def fingerprint(
    kind: str,
    src: str,
    dst: str,
    role: str | None,
    since: date | str | None,
    amount: Decimal | str | None,
    ratio: float | None,
    extra: dict[str, Any] | None,
) -> str:
    """The SHA-256 of a relation's canonical fact: its kind, ends, role, date, amount (decimal
    text to the fen), ratio and extra fields (in key order). Two lines with the same fact have
    the same fingerprint, whatever their layout; any difference makes another fact."""
    if isinstance(since, date):
        since = since.isoformat()
    money = None if amount is None else str(Decimal(amount).quantize(CENT))
    fact = [kind, src, dst, role, since, money, None if ratio is None else float(ratio),
            extra or {}]  # fmt: skip
    text = json.dumps(fact, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def line_digest(facts: Facts, payload: Payload) -> int:
    """A 64-bit digest of a record's canonical content (its facts and its row): equal for the
    same record written twice, what the import keeps per key to tell a repeated line from a
    contradicting one."""
    text = repr((facts, payload)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def enterprise(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(uscc,); an enterprise row, not registered online yet, created at the import's time."""
    return (r["uscc"],), (
        r["uscc"], r["name"], _iso(r["founded_on"]), r["registered_capital"], r["industry"],
        r["region"], r["employees"], r["high_tech"], r["srdi"], r["status"],
        json_text(r["extra"]), _json_or_null(r.get("settlement_account")),
        r.get("legal_rep_contact"), False, stamp,
    )  # fmt: skip


def person(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(person id,); a person row."""
    return (r["person_id"],), (r["person_id"], r["name"], json_text(r["extra"]))


def relation(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(kind, from, to, role, fingerprint); a relation row with the fingerprint of its fact."""
    since = _iso(r["since"])
    print_ = fingerprint(
        r["kind"], r["src"], r["dst"], r["role"], since, r["amount"], r["ratio"], r["extra"]
    )
    return (r["kind"], r["src"], r["dst"], r["role"], print_), (
        r["kind"], r["src"], r["dst"], r["amount"], r["ratio"], r["role"], since,
        json_text(r["extra"]), print_,
    )  # fmt: skip


def patent(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(number, owner); a patent row after its owner id and forward citation count."""
    return (r["number"], r["owner"]), (
        r["number"], r["title"], r["ipc"], r["kind"], _iso(r["filed_on"]),
        _iso(r["granted_on"]), r["status"], r["claims"], r["independent_claims"],
        r["inventors"], r["family_size"], r["transfers"], r["licenses"], r["pledged"],
        _iso(r["annuity_paid_through"]), r["transaction_price"], json_text(r["extra"]),
    )  # fmt: skip


def citation(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(citing, cited); a citation row."""
    pair = (r["citing"], r["cited"])
    return pair, pair


def litigation(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(case number, parties as (uscc, role), patent numbers); the case row."""
    parties = tuple((p["uscc"], p["role"]) for p in r["parties"])
    return (r["case_no"], parties, tuple(r["patents"])), (
        r["case_no"], r["court"], _iso(r["filed_on"]), _iso(r["closed_on"]), r["cause"],
        r["amount"], r["status"], r["outcome"], json_text(r["extra"]),
    )  # fmt: skip


def tax(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(uscc, year); a tax year row after its enterprise id."""
    return (r["uscc"], r["year"]), (
        r["year"], r["rating"], r["revenue"], r["tax_paid"], r["arrears"],
    )  # fmt: skip


def financial(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(uscc, period); a statement row after its enterprise id."""
    return (r["uscc"], r["period"]), (
        r["period"], r["revenue"], r["net_profit"], r["total_assets"], r["total_liabilities"],
        r["current_assets"], r["current_liabilities"], r["cash"], r["rd_expense"],
        r["operating_cash_flow"],
    )  # fmt: skip


def event(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(event id, uscc); an event row, received at the import's time, not processed yet."""
    return (r["event_id"], r["uscc"]), (
        r["event_id"], r["uscc"], r["occurred_at"].isoformat(" "), r["type"],
        json_text(r["payload"]), stamp, None, "import",
    )  # fmt: skip


def outcome(r: Record, stamp: str) -> tuple[Facts, Payload]:
    """(uscc, as of); an outcome row."""
    as_of = r["as_of"].isoformat()
    return (r["uscc"], as_of), (r["uscc"], r["defaulted"], as_of, _iso(r["default_date"]))


BUILDERS: dict[str, Callable[[Record, str], tuple[Facts, Payload]]] = {
    "enterprises": enterprise, "persons": person, "relations": relation, "patents": patent,
    "patent_citations": citation, "litigations": litigation, "tax": tax,
    "financials": financial, "events": event, "outcomes": outcome,
}  # fmt: skip


def stored_key(row: Any) -> tuple[Any, ...]:
    """A stored row's key with dates as ISO text (SQLite returns text, PostgreSQL dates)."""
    return tuple(v.isoformat() if isinstance(v, date) else v for v in row)
