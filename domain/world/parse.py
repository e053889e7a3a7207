"""Per-file row parsers of a world import: one JSON object in, one typed record out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.world import validate as v
from domain.world.validate import Context, RowError


def enterprise(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """An enterprises.jsonl row."""
    return {
        "uscc": v.uscc_field(row, "uscc", ctx),
        "name": v.text(row, "name", max_len=200),
        "founded_on": v.day(row, "founded_on", ctx.today, future_days=0),
        "registered_capital": v.money(row, "registered_capital"),
        "industry": v.text(row, "industry", required=False, max_len=16),
        "region": v.text(row, "region", required=False, max_len=6),
        "employees": v.integer(row, "employees"),
        "high_tech": v.boolean(row, "high_tech"),
        "srdi": v.boolean(row, "srdi"),
        "status": v.choice(row, "status", v.ENTERPRISE_STATUS, required=False) or "active",
        "settlement_account": v.account(row, "settlement_account"),
        "legal_rep_contact": v.text(row, "legal_rep_contact", required=False, max_len=64),
        "extra": v.extra(row, ENTERPRISE_FIELDS),
    }


ENTERPRISE_FIELDS = frozenset((
    "uscc", "name", "founded_on", "registered_capital", "industry", "region", "employees",
    "high_tech", "srdi", "status", "settlement_account", "legal_rep_contact",
))  # fmt: skip
PERSON_FIELDS = frozenset(("id", "name"))
RELATION_FIELDS = frozenset(("kind", "from", "to", "amount", "ratio", "role", "since"))


def person(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A persons.jsonl row."""
    return {
        "person_id": v.text(row, "id", max_len=64),
        "name": v.text(row, "name", max_len=100),
        "extra": v.extra(row, PERSON_FIELDS),
    }


def relation(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A relations.jsonl row."""
    kind = v.choice(row, "kind", v.RELATION_KINDS)
    role = v.choice(row, "role", v.OFFICER_ROLES, required=kind == "officer")
    return {
        "kind": kind,
        "src": v.text(row, "from", max_len=64),
        "dst": v.text(row, "to", max_len=64),
        "amount": v.money(row, "amount"),
        "ratio": v.ratio(row, "ratio"),
        "role": role,
        "since": v.day(row, "since", ctx.today, future_days=0),
        "extra": v.extra(row, RELATION_FIELDS),
    }


PATENT_FIELDS = frozenset((
    "number", "owner", "title", "ipc", "kind", "filed_on", "granted_on", "status", "claims",
    "independent_claims", "inventors", "family_size", "transfers", "licenses", "pledged",
    "annuity_paid_through", "transaction_price",
))  # fmt: skip


def patent(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A patents.jsonl row."""
    filed = v.day(row, "filed_on", ctx.today, future_days=0)
    granted = v.day(row, "granted_on", ctx.today, future_days=0)
    if filed and granted and granted < filed:
        raise RowError("granted_on is before filed_on")
    status = v.choice(row, "status", v.PATENT_STATUS)
    if status == "granted" and granted is None:
        raise RowError("a granted patent needs granted_on")
    return {
        "number": v.text(row, "number", max_len=32),
        "owner": v.text(row, "owner", required=False, max_len=18),
        "title": v.text(row, "title", max_len=300),
        "ipc": v.text(row, "ipc", required=False, max_len=32),
        "kind": v.choice(row, "kind", v.PATENT_KINDS),
        "filed_on": filed,
        "granted_on": granted,
        "status": status,
        "claims": v.integer(row, "claims", hi=10_000),
        "independent_claims": v.integer(row, "independent_claims", hi=10_000),
        "inventors": v.integer(row, "inventors", hi=10_000),
        "family_size": v.integer(row, "family_size", hi=10_000),
        "transfers": v.integer(row, "transfers", hi=10_000) or 0,
        "licenses": v.integer(row, "licenses", hi=10_000) or 0,
        "pledged": v.boolean(row, "pledged"),
        "annuity_paid_through": v.day(row, "annuity_paid_through", ctx.today, future_days=366 * 25),
        "transaction_price": v.money(row, "transaction_price"),
        "extra": v.extra(row, PATENT_FIELDS),
    }


def citation(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A patent_citations.jsonl row."""
    citing, cited = v.text(row, "citing", max_len=32), v.text(row, "cited", max_len=32)
    if citing == cited:
        raise RowError("a patent cannot cite itself")
    return {"citing": citing, "cited": cited}


LITIGATION_FIELDS = frozenset((
    "case_no", "court", "filed_on", "closed_on", "cause", "amount", "status", "parties",
    "patents", "outcome",
))  # fmt: skip


def litigation(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A litigations.jsonl row with its parties and patents."""
    filed = v.day(row, "filed_on", ctx.today, future_days=0)
    closed = v.day(row, "closed_on", ctx.today, future_days=0)
    if filed and closed and closed < filed:
        raise RowError("closed_on is before filed_on")
    parties_raw = row.get("parties") or []
    patents_raw = row.get("patents") or []
    if not isinstance(parties_raw, list) or not isinstance(patents_raw, list):
        raise RowError("parties and patents must be lists")
    parties = []
    for p in parties_raw:
        if not isinstance(p, dict):
            raise RowError("each party must be an object")
        parties.append(
            {"uscc": v.uscc_field(p, "uscc", ctx), "role": v.choice(p, "role", v.PARTY_ROLES)}
        )
    if not parties:
        raise RowError("a case needs at least one party")
    numbers = []
    for n in patents_raw:
        if not isinstance(n, str) or not n:
            raise RowError("patents must be patent numbers")
        numbers.append(n)
    return {
        "case_no": v.text(row, "case_no", max_len=64),
        "court": v.text(row, "court", required=False, max_len=100),
        "filed_on": filed,
        "closed_on": closed,
        "cause": v.choice(row, "cause", v.CAUSES),
        "amount": v.money(row, "amount"),
        "status": v.choice(row, "status", v.LITIGATION_STATUS),
        "outcome": v.choice(row, "outcome", v.OUTCOMES, required=False),
        "parties": parties,
        "patents": numbers,
        "extra": v.extra(row, LITIGATION_FIELDS),
    }


def tax(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A tax.jsonl row."""
    return {
        "uscc": v.uscc_field(row, "uscc", ctx),
        "year": v.integer(row, "year", required=True, lo=1980, hi=ctx.today.year),
        "rating": v.choice(row, "rating", v.TAX_RATINGS),
        "revenue": v.money(row, "revenue"),
        "tax_paid": v.money(row, "tax_paid"),
        "arrears": v.money(row, "arrears"),
    }


FIN_MONEY = ("revenue", "total_assets", "total_liabilities", "current_assets",
             "current_liabilities", "cash", "rd_expense")  # fmt: skip
FIN_SIGNED = ("net_profit", "operating_cash_flow")


def financial(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A financials.jsonl row."""
    period = v.text(row, "period", max_len=8)
    assert period is not None
    ok = (len(period) == 4 and period.isdigit()) or (
        len(period) == 6 and period[:4].isdigit() and period[4] == "Q" and period[5] in "1234"
    )
    if not ok:
        raise RowError(f"period {period!r} must look like 2024 or 2024Q3")
    if int(period[:4]) > ctx.today.year or int(period[:4]) < 1980:
        raise RowError(f"period {period} is out of range")
    out: dict[str, Any] = {"uscc": v.uscc_field(row, "uscc", ctx), "period": period}
    get, fen_text = row.get, v.fen_text
    for key in FIN_MONEY:  # a plain amount is read here; anything else goes through v.money
        value = get(key)
        if type(value) is float and 0 <= value < 1e17:
            out[key] = fen_text(value)
        else:
            out[key] = v.money(row, key)
    for key in FIN_SIGNED:
        value = get(key)
        if type(value) is float and -1e17 < value < 1e17:
            out[key] = fen_text(value)
        else:
            out[key] = v.money(row, key, negative=True)
    return out


def event(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """An events.jsonl row."""
    payload = row.get("payload", {})
    if not isinstance(payload, dict):
        raise RowError("payload must be an object")
    return {
        "event_id": v.text(row, "id", max_len=128),
        "uscc": v.uscc_field(row, "uscc", ctx),
        "occurred_at": v.moment(row, "occurred_at", ctx.today),
        "type": v.choice(row, "type", v.EVENT_TYPES),
        "payload": payload,
    }


def outcome(row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """An outcomes.jsonl row."""
    defaulted = row.get("defaulted")
    if not isinstance(defaulted, bool):
        raise RowError("defaulted must be true or false")
    # default_date is optional, even for a default
    default_date = v.day(row, "default_date", ctx.today, future_days=0)
    return {
        "uscc": v.uscc_field(row, "uscc", ctx),
        "defaulted": defaulted,
        "as_of": v.day(row, "as_of", ctx.today, required=True),
        "default_date": default_date,
    }


Parser = Callable[[dict[str, Any], Context], dict[str, Any]]
PARSERS: dict[str, Parser] = {
    "enterprises": enterprise, "persons": person, "relations": relation, "patents": patent,
    "patent_citations": citation, "litigations": litigation, "tax": tax,
    "financials": financial, "events": event, "outcomes": outcome,
}  # fmt: skip
