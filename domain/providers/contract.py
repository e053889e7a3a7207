"""The JSON contract of a bank's data platform (docs/providers.md), shared by client and server.

`GET {base}/v1/enterprises/{uscc}` answers `{"enterprise": {...}}`, the public registration
record; `GET {base}/v1/{source}/{uscc}` answers `{"uscc": ..., "source": ..., "rows": {file:
[row, ...]}}` in the world format; 404 means the platform does not know the enterprise.

Answers are checked before anything uses them: a body that is not JSON, or not of the contract's
shape, is a `ProviderError` as a whole, never a partial answer. The checks are structural (the
world importer checks every field afterwards): the files a source may answer, rows that are
objects with their identifying fields, and rows about the enterprise asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from db.models.consent import DataSource
from domain.providers.base import ProviderError, Rows
from domain.providers.sources import SOURCE_FILES

PATHS: dict[DataSource, str] = {
    DataSource.REGISTRATION: "registration",
    DataSource.JUDICIAL: "judicial",
    DataSource.TAX: "tax",
    DataSource.PATENTS: "patents",
    DataSource.FINANCIALS: "financials",
    DataSource.CREDIT_BUREAU: "credit-bureau",
}
SOURCE_OF_PATH: dict[str, DataSource] = {path: source for source, path in PATHS.items()}
# the fields that identify a row of each file, all strings (tax.year aside)
_KEYS: dict[str, tuple[str, ...]] = {
    "enterprises": ("uscc", "name"),
    "persons": ("id",),
    "relations": ("kind", "from", "to"),
    "patents": ("number",),
    "patent_citations": ("citing", "cited"),
    "litigations": ("case_no",),
    "tax": ("uscc",),
    "financials": ("uscc", "period"),
    "events": ("id", "uscc", "type"),
    "outcomes": ("uscc",),
}
# records of other enterprises (and patents) an answer may carry for its references
_RECORDS = {"enterprises", "persons", "patents"}


def allowed_files(source: DataSource) -> frozenset[str]:
    """The world files an answer for `source` may hold."""
    return SOURCE_FILES[source] | {"enterprises"}


def parse_enterprise(body: bytes, uscc: str) -> dict[str, Any]:
    """The record of a lookup answer, checked."""
    doc = _json(body, None)
    record = doc.get("enterprise")
    if not isinstance(record, dict):
        raise _shape(None, "no enterprise object")
    _check_row("enterprises", record, None)
    if record["uscc"] != uscc:
        raise _shape(None, "the record of another enterprise")
    return record


def parse_rows(body: bytes, source: DataSource, uscc: str) -> Rows:
    """The rows of a source answer, checked."""
    doc = _json(body, source)
    if doc.get("uscc") != uscc:
        raise _shape(source, "an answer about another enterprise")
    if doc.get("source") not in (source.value, PATHS[source]):
        raise _shape(source, "an answer of another source")
    rows = doc.get("rows")
    if not isinstance(rows, dict):
        raise _shape(source, "rows is not an object")
    allowed = allowed_files(source)
    out: Rows = {}
    for name, items in rows.items():
        if name not in allowed:
            raise _shape(source, f"{name!r} is not a file of this source")
        if not isinstance(items, list):
            raise _shape(source, f"{name} is not a list")
        for row in items:
            _check_row(name, row, source)
            if name not in _RECORDS and not _about(name, row, uscc):
                raise _shape(source, f"a {name} row about another enterprise")
        out[name] = items
    return out


def merge(answers: Iterable[Rows]) -> Rows:
    """One set of rows from the answers of several sources; a record (enterprise, person,
    patent) that two answers carry once, refused when they disagree."""
    out: Rows = {}
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for rows in answers:
        for name, items in rows.items():
            target = out.setdefault(name, [])
            for row in items:
                if name in _RECORDS:
                    key = (name, str(row[_KEYS[name][0]]))
                    if key in seen:
                        if seen[key] != row:
                            raise ProviderError(f"two answers disagree about {key[1]}")
                        continue
                    seen[key] = row
                target.append(row)
    return out


def _json(body: bytes, source: DataSource | None) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProviderError(
            f"{_label(source)}: the answer is not JSON", source=source, retryable=True
        ) from None
    if not isinstance(doc, dict):
        raise _shape(source, "the answer is not an object")
    return doc


def _check_row(name: str, row: Any, source: DataSource | None) -> None:
    if not isinstance(row, dict):
        raise _shape(source, f"a {name} row is not an object")
    for key in _KEYS[name]:
        if not isinstance(row.get(key), str) or not row[key]:
            raise _shape(source, f"a {name} row without {key}")
    if name == "tax" and (not isinstance(row.get("year"), int) or isinstance(row["year"], bool)):
        raise _shape(source, "a tax row without year")
    if name == "litigations":
        parties = row.get("parties")
        if not isinstance(parties, list) or not all(
            isinstance(p, dict) and isinstance(p.get("uscc"), str) for p in parties
        ):
            raise _shape(source, "a litigations row without parties")
        patents = row.get("patents")
        if patents is not None and not (
            isinstance(patents, list) and all(isinstance(n, str) for n in patents)
        ):
            raise _shape(source, "a litigations row whose patents are not numbers")


def _about(name: str, row: dict[str, Any], uscc: str) -> bool:
    if name == "relations":
        return uscc in (row["from"], row["to"])
    if name == "litigations":
        return any(p["uscc"] == uscc for p in row["parties"])
    if name == "patent_citations":
        return True  # the patents a citation joins come in the same answer
    return bool(row.get("uscc") == uscc)


def _shape(source: DataSource | None, what: str) -> ProviderError:
    return ProviderError(f"{_label(source)}: malformed answer, {what}", source=source)


def _label(source: DataSource | None) -> str:
    return "lookup" if source is None else PATHS[source]
