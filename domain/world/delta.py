"""Records of a delta import that are already stored: compare, and update in place what changed.

A daily feed repeats a record whole when anything about it changed. Each record already stored
is compared with the stored row, column by column, after both are brought to the same Python
values (dates, Decimals to the fen, booleans, parsed JSON), whatever the database returned;
only the rows that differ are updated, by id, in one statement per chunk. Relations and
citations are whole facts (a changed one is a new fact) and events are never rewritten (the
same id twice changes nothing), so those are never updated.

The verification fields of an enterprise (`settlement_account`, `legal_rep_contact`) are kept
when a feed leaves them out: an older feed format does not erase what the bank has on record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise.fields import (
    BooleanField,
    DateField,
    DatetimeField,
    DecimalField,
    Field,
    FloatField,
    IntField,
    JSONField,
)
from tortoise.models import Model

from db.bulk import BulkWriter
from db.models import (
    Enterprise,
    Financial,
    Litigation,
    Outcome,
    Patent,
    Person,
    TaxRecord,
)
from domain.world import rows
from domain.world.rows import Facts

CENT = Decimal("0.01")
# the columns a later record of the same key may change, per file
UPDATABLE: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "enterprises": (Enterprise, (
        "name", "founded_on", "registered_capital", "industry", "region", "employees",
        "high_tech", "srdi", "status", "extra", "settlement_account", "legal_rep_contact",
    )),
    "persons": (Person, ("name", "extra")),
    "patents": (Patent, (
        "title", "ipc", "kind", "filed_on", "granted_on", "status", "claims",
        "independent_claims", "inventors", "family_size", "transfers", "licenses", "pledged",
        "annuity_paid_through", "transaction_price", "extra",
    )),
    "litigations": (Litigation, (
        "court", "filed_on", "closed_on", "cause", "amount", "status", "outcome", "extra",
    )),
    "tax": (TaxRecord, ("rating", "revenue", "tax_paid", "arrears")),
    "financials": (Financial, (
        "revenue", "net_profit", "total_assets", "total_liabilities", "current_assets",
        "current_liabilities", "cash", "rd_expense", "operating_cash_flow",
    )),
    "outcomes": (Outcome, ("defaulted", "default_date")),
}  # fmt: skip
KEPT_WHEN_ABSENT = frozenset(("settlement_account", "legal_rep_contact"))


def canonical(field: Field[Any], value: Any) -> Any:
    """A column's value as the same Python value on every database, from the row to store
    (text) or from the driver."""
    if value is None:
        return None
    if isinstance(field, DecimalField):
        return Decimal(str(value)).quantize(CENT)
    if isinstance(field, DatetimeField):
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(UTC)
    if isinstance(field, DateField):
        return date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(field, BooleanField):
        return bool(value)
    if isinstance(field, JSONField):
        return json.loads(value) if isinstance(value, str | bytes) else value
    if isinstance(field, FloatField):
        return float(value)
    if isinstance(field, IntField):
        return int(value)
    return value


class Changes:
    """What a chunk's stored records say now: the rows to update and the keys that changed."""

    def __init__(self) -> None:
        self.updates: list[list[Any]] = []  # new values of the updatable columns, then the id
        self.facts: list[Facts] = []  # of the records that changed
        self.ids: list[int] = []
        self.before: list[Any] = []  # what a changed row said before, where it matters


async def update_changed(
    bulk: BulkWriter,
    name: str,
    facts: Sequence[Facts],
    payloads: Sequence[Sequence[Any]],
    keys: Sequence[tuple[Any, ...]],
    extra: Sequence[dict[str, Any]] | None = None,
) -> Changes:
    """Compare stored records (by natural key `keys`, payloads as `rows` builds them) with the
    database and update those that differ; `extra` gives further columns to compare and set
    per record (a patent's owner id)."""
    changes = Changes()
    spec = UPDATABLE.get(name)
    if spec is None or not facts:
        return changes
    model, columns = spec
    table = rows.TABLES[name]
    fields = model._meta.fields_map
    more = sorted(extra[0]) if extra else []
    wanted = ("id", *table.key, *columns, *more)
    found = await bulk.lookup(table.name, wanted, table.key[0], [k[0] for k in keys])
    width = len(table.key)
    stored = {rows.stored_key(r[1 : 1 + width]): r for r in found}
    at = {c: table.columns.index(c) - table.prefix for c in columns}
    for i, (fact, payload, key) in enumerate(zip(facts, payloads, keys, strict=True)):
        row = stored.get(key)
        if row is None:
            continue
        old = dict(zip(wanted, row, strict=True))
        new = {c: payload[at[c]] for c in columns} | (extra[i] if extra else {})
        same = True
        values = []
        for c in (*columns, *more):
            field = fields[c]
            if c in KEPT_WHEN_ABSENT and new[c] is None:
                new[c] = old[c]
            value = canonical(field, new[c])
            same = same and value == canonical(field, old[c])
            values.append(new[c] if isinstance(field, JSONField) and new[c] is not None else value)
        if same:
            continue
        changes.updates.append([*_json_text(fields, (*columns, *more), values), int(old["id"])])
        changes.facts.append(fact)
        changes.ids.append(int(old["id"]))
        changes.before.append(old.get("owner_id"))
    if changes.updates:
        await bulk.update_rows(table.name, (*columns, *more), changes.updates)
    return changes


def _json_text(
    fields: dict[str, Field[Any]], columns: Sequence[str], values: list[Any]
) -> list[Any]:
    """JSON columns as text (what both drivers take for a JSON parameter)."""
    out = []
    for c, v in zip(columns, values, strict=True):
        if isinstance(fields[c], JSONField) and v is not None and not isinstance(v, str):
            v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        out.append(v)
    return out
