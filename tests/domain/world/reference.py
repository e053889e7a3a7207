"""A reference load through the ORM, record by record, to compare the bulk path against.

It writes what `WorldScan` accepts with `Model(**fields)` and `bulk_create`, resolving foreign
keys by query: slow and memory-hungry, but every value goes through the ORM's own conversions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tortoise import connections
from tortoise.models import Model

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
from domain.world.parse import PARSERS
from domain.world.rows import fingerprint
from domain.world.validate import FILES, Context, Line

WORLD_TABLES = (
    "enterprise", "person", "relation", "patent", "patent_citation", "litigation",
    "litigation_party", "litigation_patent", "tax_record", "financial", "event", "outcome",
)  # fmt: skip
STAMPS = {"created_at", "received_at"}  # set to the time of the import
PLAIN: tuple[tuple[type[Model], str], ...] = (
    (Enterprise, "enterprises"), (Person, "persons"), (Relation, "relations"),
)  # fmt: skip


async def load_with_orm(sources: dict[str, list[Line]]) -> None:
    """Parse every line of a valid world, then write every record through the ORM."""
    ctx = Context(datetime.now(UTC).date())
    records = {n: [PARSERS[n](obj, ctx) for _, obj in sources.get(n, [])] for n in FILES}  # type: ignore[arg-type]
    for r in records["relations"]:
        fact = (r["kind"], r["src"], r["dst"], r["role"], r["since"], r["amount"], r["ratio"])
        r["fingerprint"] = fingerprint(*fact, r["extra"])
    for model, name in PLAIN:
        await model.bulk_create([model(**r) for r in records[name]])
    ents = dict(await Enterprise.all().values_list("uscc", "id"))
    await Patent.bulk_create(
        [Patent(**_without(r, "owner"), owner_id=ents.get(r["owner"])) for r in records["patents"]]
    )
    await PatentCitation.bulk_create([PatentCitation(**r) for r in records["patent_citations"]])
    await connections.get("default").execute_query(
        "UPDATE patent SET forward_citations = "
        "(SELECT COUNT(*) FROM patent_citation pc WHERE pc.cited = patent.number)"
    )
    await _litigations(records["litigations"], ents)
    await TaxRecord.bulk_create(
        [TaxRecord(**_without(r, "uscc"), enterprise_id=ents[r["uscc"]]) for r in records["tax"]]
    )
    await Financial.bulk_create(
        [Financial(**_without(r, "uscc"), enterprise_id=ents[r["uscc"]])
         for r in records["financials"]]
    )  # fmt: skip
    await Event.bulk_create([Event(**r, source="import") for r in records["events"]])
    await Outcome.bulk_create([Outcome(**r) for r in records["outcomes"]])


async def _litigations(records: list[dict[str, Any]], ents: dict[str, int]) -> None:
    await Litigation.bulk_create([Litigation(**_without(r, "parties", "patents")) for r in records])
    cases = dict(await Litigation.all().values_list("case_no", "id"))
    patents = dict(await Patent.all().values_list("number", "id"))
    await LitigationParty.bulk_create(
        [LitigationParty(litigation_id=cases[r["case_no"]], enterprise_id=ents[p["uscc"]],
                         role=p["role"], position=i)
         for r in records for i, p in enumerate(r["parties"])]
    )  # fmt: skip
    await LitigationPatent.bulk_create(
        [LitigationPatent(litigation_id=cases[r["case_no"]], patent_id=patents[n], position=i)
         for r in records for i, n in enumerate(r["patents"])]
    )  # fmt: skip


def _without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


async def dump_world() -> dict[str, list[tuple[Any, ...]]]:
    """Every world table's rows in id order, as stored, without the import time stamps."""
    conn = connections.get("default")
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in WORLD_TABLES:
        rows = await conn.execute_query_dict(f"SELECT * FROM {table} ORDER BY id")
        out[table] = [
            tuple(_plain(v) for k, v in sorted(row.items()) if k not in STAMPS) for row in rows
        ]
    return out


def _plain(value: Any) -> Any:
    """Driver values made comparable across back ends (dates as ISO text)."""
    if isinstance(value, date):
        return value.isoformat()
    return value
