"""The generated world's integrity: valid unique keys, resolving references, a consistent
timeline, every event type."""

from __future__ import annotations

import re

from domain.world.uscc import is_valid_uscc
from tests.domain.world.generator.rows import E, Rows, S, as_date

EVENT_TYPES = {
    "litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed",
    "equity_frozen", "legal_rep_changed", "shareholder_changed", "tax_arrears",
    "tax_rating_downgraded", "patent_lapsed", "patent_invalidated", "patent_transferred",
    "financial_decline", "overdue_payment", "business_abnormal", "deregistered",
}  # fmt: skip


def test_usccs_valid_unique_and_names_unique(world: Rows) -> None:
    ents = world["enterprises"]
    assert all(is_valid_uscc(e["uscc"]) for e in ents)
    assert len({e["uscc"] for e in ents}) == len(ents)
    assert len({e["name"] for e in ents}) == len(ents)
    assert all(re.fullmatch(r"\d{6}", e["region"]) and e["uscc"][2:8] == e["region"] for e in ents)


def test_natural_keys_are_unique(world: Rows) -> None:
    keys = {
        "persons": lambda r: r["id"],
        "relations": lambda r: (r["kind"], r["from"], r["to"], r["role"]),
        "patents": lambda r: r["number"],
        "patent_citations": lambda r: (r["citing"], r["cited"]),
        "litigations": lambda r: r["case_no"],
        "tax": lambda r: (r["uscc"], r["year"]),
        "financials": lambda r: (r["uscc"], r["period"]),
        "events": lambda r: r["id"],
        "outcomes": lambda r: r["uscc"],
    }
    for name, key in keys.items():
        values = [key(r) for r in world[name]]
        assert len(set(values)) == len(values), name


def test_every_reference_resolves(world: Rows) -> None:
    usccs = {e["uscc"] for e in world["enterprises"]}
    persons = {p["id"] for p in world["persons"]}
    patents = {p["number"] for p in world["patents"]}
    cases = {c["case_no"] for c in world["litigations"]}
    for r in world["relations"]:
        assert r["from"] in (persons if r["kind"] == "officer" else usccs)
        assert r["to"] in usccs
    assert all(p["owner"] in usccs for p in world["patents"])
    assert all(c["citing"] in patents and c["cited"] in patents for c in world["patent_citations"])
    for c in world["litigations"]:
        assert all(p["uscc"] in usccs for p in c["parties"])
        assert all(n in patents for n in c["patents"])
    for name in ("tax", "financials", "events", "outcomes"):
        assert all(r["uscc"] in usccs for r in world[name]), name
    refs = {
        "patent_transferred": {"number": patents, "from": usccs, "to": usccs},
        "patent_lapsed": {"number": patents},
        "patent_invalidated": {"number": patents},
        "overdue_payment": {"creditor": usccs},
        "legal_rep_changed": {"old": persons, "new": persons},
        "shareholder_changed": {"holder": persons},
        "tax_rating_downgraded": {"from": {"A", "B", "C"}, "rating": {"B", "C", "D"}},
    }
    case_events = {"litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed",
                   "equity_frozen"}  # fmt: skip
    for ev in world["events"]:
        for key, known in refs.get(ev["type"], {}).items():
            assert ev["payload"][key] in known, (ev["type"], key)
        if ev["type"] in case_events:
            assert ev["payload"]["case_no"] in cases
    assert {o["uscc"] for o in world["outcomes"]} == usccs


def test_dates_are_consistent_with_the_timeline(world: Rows) -> None:
    assert all(as_date(e["founded_on"]) < S for e in world["enterprises"])
    for p in world["patents"]:
        if p["granted_on"] is None:
            assert p["status"] == "pending"
        else:
            assert as_date(p["filed_on"]) < as_date(p["granted_on"]) < E
        assert as_date(p["filed_on"]) < E
    for c in world["litigations"]:
        assert as_date(c["filed_on"]) < E
        assert (c["closed_on"] is None) == (c["status"] == "pending")
        if c["closed_on"]:
            assert as_date(c["filed_on"]) <= as_date(c["closed_on"]) < E
    times = [ev["occurred_at"] for ev in world["events"]]
    assert times == sorted(times)
    assert all(S.isoformat() <= t[:10] < E.isoformat() and t.endswith("+00:00") for t in times)
    for o in world["outcomes"]:
        assert o["as_of"] == E.isoformat()
        assert (o["default_date"] is not None) == o["defaulted"]
        if o["defaulted"]:
            assert S <= as_date(o["default_date"]) < E
    assert all(r["since"] is None or as_date(r["since"]) < E for r in world["relations"])


def test_every_event_type_occurs(world: Rows) -> None:
    assert {ev["type"] for ev in world["events"]} == EVENT_TYPES
