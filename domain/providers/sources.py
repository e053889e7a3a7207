"""Which outside source each world row comes from, and picking the rows of some sources.

A consent names sources, not files, so every row of the world format belongs to exactly one
source:

| source | world rows |
|---|---|
| REGISTRATION | enterprises, persons, relations of kind `officer` and `shareholding` |
| JUDICIAL | litigations |
| TAX | tax |
| PATENTS | patents, patent_citations |
| FINANCIALS | financials |
| CREDIT_BUREAU | relations of kind `guarantee` and `supply`, outcomes |

Events go with the source of their type (court listings to JUDICIAL, tax changes to TAX, ...);
types not named below are registration changes. The enterprise records that kept rows refer to
(a guarantor, the other party of a case, the owner of a cited patent) always come along: a row
whose references cannot resolve could not be imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from db.models.consent import DataSource
from domain.providers.base import Rows

SOURCE_FILES: dict[DataSource, frozenset[str]] = {
    DataSource.REGISTRATION: frozenset({"enterprises", "persons", "relations", "events"}),
    DataSource.JUDICIAL: frozenset({"litigations", "events"}),
    DataSource.TAX: frozenset({"tax", "events"}),
    DataSource.PATENTS: frozenset({"patents", "patent_citations", "events"}),
    DataSource.FINANCIALS: frozenset({"financials", "events"}),
    DataSource.CREDIT_BUREAU: frozenset({"relations", "outcomes", "events"}),
}
_FILE_SOURCE: dict[str, DataSource] = {
    "enterprises": DataSource.REGISTRATION,
    "persons": DataSource.REGISTRATION,
    "litigations": DataSource.JUDICIAL,
    "tax": DataSource.TAX,
    "patents": DataSource.PATENTS,
    "patent_citations": DataSource.PATENTS,
    "financials": DataSource.FINANCIALS,
    "outcomes": DataSource.CREDIT_BUREAU,
}
RELATION_SOURCE: dict[str, DataSource] = {
    "officer": DataSource.REGISTRATION,
    "shareholding": DataSource.REGISTRATION,
    "guarantee": DataSource.CREDIT_BUREAU,
    "supply": DataSource.CREDIT_BUREAU,
}
EVENT_SOURCE: dict[str, DataSource] = {
    "litigation_filed": DataSource.JUDICIAL,
    "judgment_lost": DataSource.JUDICIAL,
    "enforcement_listed": DataSource.JUDICIAL,
    "dishonest_listed": DataSource.JUDICIAL,
    "equity_frozen": DataSource.JUDICIAL,
    "tax_arrears": DataSource.TAX,
    "tax_rating_downgraded": DataSource.TAX,
    "patent_lapsed": DataSource.PATENTS,
    "patent_invalidated": DataSource.PATENTS,
    "patent_transferred": DataSource.PATENTS,
    "financial_decline": DataSource.FINANCIALS,
    "overdue_payment": DataSource.CREDIT_BUREAU,
}  # everything else (legal_rep_changed, business_abnormal, deregistered, ...): REGISTRATION
ALL_SOURCES: frozenset[DataSource] = frozenset(DataSource)


def source_of(file: str, row: dict[str, Any]) -> DataSource:
    """The source a row of `file` (a world file name without extension) comes from."""
    if file == "relations":
        return RELATION_SOURCE.get(str(row.get("kind")), DataSource.REGISTRATION)
    if file == "events":
        return EVENT_SOURCE.get(str(row.get("type")), DataSource.REGISTRATION)
    return _FILE_SOURCE.get(file, DataSource.REGISTRATION)


def select_rows(
    rows: Rows,
    sources: Iterable[DataSource],
    *,
    uscc: str | None = None,
    resolve: bool = True,
) -> Rows:
    """The rows of the named sources only, with the records their references need.

    `uscc` is the enterprise the rows are about: its own record always comes along. Other
    enterprise records come along when a kept row refers to them (without `uscc`, REGISTRATION
    keeps every enterprise record). With `resolve`, references that cannot resolve within the
    answer are dropped: a case's patents outside the kept patents, citations of patents not
    kept. Pure and idempotent; the rows themselves are not changed.
    """
    wanted = frozenset(DataSource(s) for s in sources)
    out: Rows = {}
    for name, items in rows.items():
        if name in ("enterprises", "persons"):
            continue
        kept = [r for r in items if source_of(name, r) in wanted]
        if kept:
            out[name] = kept
    if resolve:
        _resolve_patent_references(out)
    referred = set(_enterprises_referred(out))
    if uscc is not None:
        referred.add(uscc)
    registration = DataSource.REGISTRATION in wanted
    enterprises = [
        r
        for r in rows.get("enterprises", [])
        if r.get("uscc") in referred or (registration and uscc is None)
    ]
    if enterprises:
        # the enterprise itself first, then the others by USCC: one order whatever the input's
        enterprises.sort(key=lambda r: (r.get("uscc") != uscc, str(r.get("uscc"))))
        out["enterprises"] = enterprises
    people = {r["from"] for r in out.get("relations", []) if r.get("kind") == "officer"}
    persons = [r for r in rows.get("persons", []) if r.get("id") in people]
    if persons:
        out["persons"] = persons
    return out


def _resolve_patent_references(out: Rows) -> None:
    numbers = {p.get("number") for p in out.get("patents", [])}
    if "litigations" in out:
        out["litigations"] = [
            lit
            if all(n in numbers for n in lit.get("patents") or [])
            else {**lit, "patents": [n for n in lit.get("patents") or [] if n in numbers]}
            for lit in out["litigations"]
        ]
    if "patent_citations" in out:
        citations = [
            c
            for c in out["patent_citations"]
            if c.get("citing") in numbers and c.get("cited") in numbers
        ]
        if citations:
            out["patent_citations"] = citations
        else:
            del out["patent_citations"]


def _enterprises_referred(out: Rows) -> Iterator[str]:
    """Every USCC a kept row names."""
    for rel in out.get("relations", []):
        if rel.get("kind") != "officer":
            yield rel.get("from", "")
        yield rel.get("to", "")
    for patent in out.get("patents", []):
        if patent.get("owner"):
            yield patent["owner"]
    for lit in out.get("litigations", []):
        yield from (p.get("uscc", "") for p in lit.get("parties") or [])
    for name in ("tax", "financials", "events", "outcomes"):
        yield from (r.get("uscc", "") for r in out.get(name, []))
