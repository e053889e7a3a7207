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


async def export_world(directory: Path) -> dict[str, int]:
    """Export every world table to `directory`; returns rows written per file."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    usccs = dict(await Enterprise.all().values_list("id", "uscc"))
    numbers = dict(await Patent.all().values_list("id", "number"))

    ents = await Enterprise.all().order_by("id")
    counts["enterprises"] = _write(
        directory / "enterprises.jsonl",
        (
            _row(
                {
                    "uscc": e.uscc, "name": e.name, "founded_on": e.founded_on,
                    "registered_capital": e.registered_capital, "industry": e.industry,
                    "region": e.region, "employees": e.employees, "high_tech": e.high_tech,
                    "srdi": e.srdi, "status": e.status,
                },
                e.extra,
            )
            for e in ents
        ),
    )  # fmt: skip
    persons = await Person.all().order_by("id")
    counts["persons"] = _write(
        directory / "persons.jsonl",
        (_row({"id": p.person_id, "name": p.name}, p.extra) for p in persons),
    )
    rels = await Relation.all().order_by("id")
    counts["relations"] = _write(
        directory / "relations.jsonl",
        (
            _row(
                {
                    "kind": r.kind, "from": r.src, "to": r.dst, "amount": r.amount,
                    "ratio": r.ratio, "role": r.role, "since": r.since,
                },
                r.extra,
            )
            for r in rels
        ),
    )  # fmt: skip
    pats = await Patent.all().order_by("id")
    counts["patents"] = _write(
        directory / "patents.jsonl",
        (
            _row(
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
            )
            for p in pats
        ),
    )  # fmt: skip
    cits = await PatentCitation.all().order_by("id").values_list("citing", "cited")
    counts["patent_citations"] = _write(
        directory / "patent_citations.jsonl", ({"citing": a, "cited": b} for a, b in cits)
    )
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
    lits = await Litigation.all().order_by("id")
    counts["litigations"] = _write(
        directory / "litigations.jsonl",
        (
            _row(
                {
                    "case_no": lit.case_no, "court": lit.court, "filed_on": lit.filed_on,
                    "closed_on": lit.closed_on, "cause": lit.cause, "amount": lit.amount,
                    "status": lit.status, "outcome": lit.outcome,
                    "parties": parties.get(lit.id, []), "patents": lit_patents.get(lit.id, []),
                },
                lit.extra,
            )
            for lit in lits
        ),
    )  # fmt: skip
    taxes = await TaxRecord.all().order_by("id")
    counts["tax"] = _write(
        directory / "tax.jsonl",
        (
            _row(
                {
                    "uscc": usccs[t.enterprise_id], "year": t.year, "rating": t.rating,  # type: ignore[attr-defined]
                    "revenue": t.revenue, "tax_paid": t.tax_paid, "arrears": t.arrears,
                }
            )
            for t in taxes
        ),
    )  # fmt: skip
    fins = await Financial.all().order_by("id")
    fin_fields = ("revenue", "net_profit", "total_assets", "total_liabilities", "current_assets",
                  "current_liabilities", "cash", "rd_expense", "operating_cash_flow")  # fmt: skip
    counts["financials"] = _write(
        directory / "financials.jsonl",
        (
            _row(
                {"uscc": usccs[f.enterprise_id], "period": f.period}  # type: ignore[attr-defined]
                | {k: getattr(f, k) for k in fin_fields}
            )
            for f in fins
        ),
    )
    events = await Event.all().order_by("id")
    counts["events"] = _write(
        directory / "events.jsonl",
        (
            _row(
                {
                    "id": ev.event_id, "uscc": ev.uscc, "occurred_at": ev.occurred_at,
                    "type": ev.type, "payload": ev.payload,
                }
            )
            for ev in events
        ),
    )  # fmt: skip
    outs = await Outcome.all().order_by("id")
    counts["outcomes"] = _write(
        directory / "outcomes.jsonl",
        (
            _row(
                {
                    "uscc": o.uscc, "defaulted": o.defaulted, "as_of": o.as_of,
                    "default_date": o.default_date,
                }
            )
            for o in outs
        ),
    )  # fmt: skip
    return counts
