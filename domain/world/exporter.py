"""Write the database's world back out in the world format (money as decimal strings)."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.models import (
    Enterprise,
    Event,
    Financial,
    Litigation,
    LitigationParty,
    LitigationPatent,
    Outcome,
    Patent,
    PatentCitation,
    Person,
    Relation,
    TaxRecord,
)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(fields: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    row = {k: _plain(v) for k, v in fields.items() if v is not None}
    for k, v in (extra or {}).items():
        row.setdefault(k, v)
    return row


def _write(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    tmp = path.with_suffix(".jsonl.tmp")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    os.replace(tmp, path)
    return count


FIN_FIELDS = ("revenue", "net_profit", "total_assets", "total_liabilities", "current_assets",
              "current_liabilities", "cash", "rd_expense", "operating_cash_flow")  # fmt: skip


def _enterprise_row(e: Enterprise) -> dict[str, Any]:
    return _row(
        {
            "uscc": e.uscc, "name": e.name, "founded_on": e.founded_on,
            "registered_capital": e.registered_capital, "industry": e.industry,
            "region": e.region, "employees": e.employees, "high_tech": e.high_tech,
            "srdi": e.srdi, "status": e.status, "settlement_account": e.settlement_account,
            "legal_rep_contact": e.legal_rep_contact,
        },
        e.extra,
    )  # fmt: skip


def _person_row(p: Person) -> dict[str, Any]:
    return _row({"id": p.person_id, "name": p.name}, p.extra)


def _relation_row(r: Relation) -> dict[str, Any]:
    return _row(
        {
            "kind": r.kind, "from": r.src, "to": r.dst, "amount": r.amount,
            "ratio": r.ratio, "role": r.role, "since": r.since,
        },
        r.extra,
    )  # fmt: skip


def _patent_row(p: Patent, usccs: dict[int, str]) -> dict[str, Any]:
    return _row(
        {
            "number": p.number, "owner": usccs.get(p.owner_id) if p.owner_id else None,  # type: ignore[attr-defined]
            "title": p.title, "ipc": p.ipc, "kind": p.kind, "filed_on": p.filed_on,
            "granted_on": p.granted_on, "status": p.status, "claims": p.claims,
            "independent_claims": p.independent_claims, "inventors": p.inventors,
            "family_size": p.family_size, "transfers": p.transfers,
            "licenses": p.licenses, "pledged": p.pledged,
            "annuity_paid_through": p.annuity_paid_through,
            "transaction_price": p.transaction_price,
        },
        p.extra,
    )  # fmt: skip


async def _litigation_links(
    usccs: dict[int, str], numbers: dict[int, str]
) -> tuple[dict[int, list[dict[str, str]]], dict[int, list[str]]]:
    """Parties and patents of each litigation, by litigation id, in their stored order."""
    parties: dict[int, list[dict[str, str]]] = defaultdict(list)
    for lit_id, ent_id, role in (
        await LitigationParty.all()
        .order_by("litigation_id", "position")
        .values_list("litigation_id", "enterprise_id", "role")
    ):
        parties[lit_id].append({"uscc": usccs[ent_id], "role": role})
    lit_patents: dict[int, list[str]] = defaultdict(list)
    for lit_id, pat_id in (
        await LitigationPatent.all()
        .order_by("litigation_id", "position")
        .values_list("litigation_id", "patent_id")
    ):
        lit_patents[lit_id].append(numbers[pat_id])
    return parties, lit_patents


def _litigation_row(
    lit: Litigation,
    parties: dict[int, list[dict[str, str]]],
    lit_patents: dict[int, list[str]],
) -> dict[str, Any]:
    return _row(
        {
            "case_no": lit.case_no, "court": lit.court, "filed_on": lit.filed_on,
            "closed_on": lit.closed_on, "cause": lit.cause, "amount": lit.amount,
            "status": lit.status, "outcome": lit.outcome,
            "parties": parties.get(lit.id, []), "patents": lit_patents.get(lit.id, []),
        },
        lit.extra,
    )  # fmt: skip


def _tax_row(t: TaxRecord, usccs: dict[int, str]) -> dict[str, Any]:
    return _row(
        {
            "uscc": usccs[t.enterprise_id], "year": t.year, "rating": t.rating,  # type: ignore[attr-defined]
            "revenue": t.revenue, "tax_paid": t.tax_paid, "arrears": t.arrears,
        }
    )  # fmt: skip


def _financial_row(f: Financial, usccs: dict[int, str]) -> dict[str, Any]:
    return _row(
        {"uscc": usccs[f.enterprise_id], "period": f.period}  # type: ignore[attr-defined]
        | {k: getattr(f, k) for k in FIN_FIELDS}
    )


def _event_row(ev: Event) -> dict[str, Any]:
    return _row(
        {
            "id": ev.event_id, "uscc": ev.uscc, "occurred_at": ev.occurred_at,
            "type": ev.type, "payload": ev.payload,
        }
    )  # fmt: skip


def _outcome_row(o: Outcome) -> dict[str, Any]:
    return _row(
        {
            "uscc": o.uscc, "defaulted": o.defaulted, "as_of": o.as_of,
            "default_date": o.default_date,
        }
    )  # fmt: skip


async def export_world(directory: Path) -> dict[str, int]:
    """Export every world table to `directory`; returns rows written per file."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    usccs = dict(await Enterprise.all().values_list("id", "uscc"))
    numbers = dict(await Patent.all().values_list("id", "number"))

    def write(name: str, rows: Iterable[dict[str, Any]]) -> None:
        counts[name] = _write(directory / f"{name}.jsonl", rows)

    write("enterprises", map(_enterprise_row, await Enterprise.all().order_by("id")))
    write("persons", map(_person_row, await Person.all().order_by("id")))
    write("relations", map(_relation_row, await Relation.all().order_by("id")))
    pats = await Patent.all().order_by("id")
    write("patents", (_patent_row(p, usccs) for p in pats))
    cits = await PatentCitation.all().order_by("id").values_list("citing", "cited")
    write("patent_citations", ({"citing": a, "cited": b} for a, b in cits))
    parties, lit_patents = await _litigation_links(usccs, numbers)
    lits = await Litigation.all().order_by("id")
    write("litigations", (_litigation_row(lit, parties, lit_patents) for lit in lits))
    taxes = await TaxRecord.all().order_by("id")
    write("tax", (_tax_row(t, usccs) for t in taxes))
    fins = await Financial.all().order_by("id")
    write("financials", (_financial_row(f, usccs) for f in fins))
    write("events", map(_event_row, await Event.all().order_by("id")))
    write("outcomes", map(_outcome_row, await Outcome.all().order_by("id")))
    return counts
