"""Which source each row comes from, and the rows a directory provider hands over per source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from db.models.consent import DataSource as S
from domain.providers.directory import DirectoryProvider
from domain.providers.sources import select_rows, source_of
from tests.factories import A, B, C, tiny_world, write_world


@pytest.fixture
def provider(tmp_path: Path) -> DirectoryProvider:
    write_world(tiny_world(), tmp_path / "w")
    return DirectoryProvider(tmp_path / "w")


def keys(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Each file's rows, shortly: what identifies them."""
    short = {
        "enterprises": lambda r: r["uscc"],
        "persons": lambda r: r["id"],
        "relations": lambda r: f"{r['kind']}:{r['from']}>{r['to']}",
        "patents": lambda r: r["number"],
        "patent_citations": lambda r: f"{r['citing']}>{r['cited']}",
        "litigations": lambda r: f"{r['case_no']}{r['patents']}",
        "tax": lambda r: f"{r['uscc']}:{r['year']}",
        "financials": lambda r: f"{r['uscc']}:{r['period']}",
        "events": lambda r: r["type"],
        "outcomes": lambda r: r["uscc"],
    }
    return {name: sorted(short[name](r) for r in items) for name, items in rows.items()}


@pytest.mark.parametrize(
    ("file", "row", "source"),
    [
        ("enterprises", {}, S.REGISTRATION),
        ("persons", {}, S.REGISTRATION),
        ("relations", {"kind": "officer"}, S.REGISTRATION),
        ("relations", {"kind": "shareholding"}, S.REGISTRATION),
        ("relations", {"kind": "guarantee"}, S.CREDIT_BUREAU),
        ("relations", {"kind": "supply"}, S.CREDIT_BUREAU),
        ("litigations", {}, S.JUDICIAL),
        ("tax", {}, S.TAX),
        ("patents", {}, S.PATENTS),
        ("patent_citations", {}, S.PATENTS),
        ("financials", {}, S.FINANCIALS),
        ("outcomes", {}, S.CREDIT_BUREAU),
        ("events", {"type": "litigation_filed"}, S.JUDICIAL),
        ("events", {"type": "enforcement_listed"}, S.JUDICIAL),
        ("events", {"type": "dishonest_listed"}, S.JUDICIAL),
        ("events", {"type": "equity_frozen"}, S.JUDICIAL),
        ("events", {"type": "judgment_lost"}, S.JUDICIAL),
        ("events", {"type": "tax_arrears"}, S.TAX),
        ("events", {"type": "tax_rating_downgraded"}, S.TAX),
        ("events", {"type": "patent_lapsed"}, S.PATENTS),
        ("events", {"type": "patent_transferred"}, S.PATENTS),
        ("events", {"type": "financial_decline"}, S.FINANCIALS),
        ("events", {"type": "overdue_payment"}, S.CREDIT_BUREAU),
        ("events", {"type": "legal_rep_changed"}, S.REGISTRATION),
        ("events", {"type": "business_abnormal"}, S.REGISTRATION),
        ("events", {"type": "deregistered"}, S.REGISTRATION),
    ],
)
def test_every_row_has_one_source(file: str, row: dict[str, Any], source: S) -> None:
    assert source_of(file, row) is source


EXPECTED_FOR_A = {
    S.REGISTRATION: {
        "enterprises": [A, C],
        "persons": ["P1"],
        "relations": [f"officer:P1>{A}", f"shareholding:{A}>{C}"],
    },
    S.JUDICIAL: {"enterprises": [A, B], "litigations": ["(2024)皖01民初123号[]"]},
    S.TAX: {"enterprises": [A], "tax": [f"{A}:2023", f"{A}:2024"]},
    S.PATENTS: {
        "enterprises": [A, B],  # B owns a patent citing one of A's
        "patents": ["CN110000001B", "CN110000003A", "CN210000002U"],
        "patent_citations": ["CN110000003A>CN110000001B", "CN210000002U>CN110000001B"],
    },
    S.FINANCIALS: {"enterprises": [A], "financials": [f"{A}:2024"]},
    S.CREDIT_BUREAU: {
        "enterprises": [A, B, C],
        "relations": [f"guarantee:{A}>{B}", f"guarantee:{B}>{A}", f"supply:{C}>{A}"],
        "outcomes": [A],
    },
}


@pytest.mark.parametrize("source", list(S))
async def test_a_fetch_hands_over_one_source_and_the_records_it_needs(
    provider: DirectoryProvider, source: S
) -> None:
    assert keys(await provider.fetch(A, [source])) == EXPECTED_FOR_A[source]


async def test_a_case_keeps_its_patents_only_when_patents_come_too(
    provider: DirectoryProvider,
) -> None:
    both = keys(await provider.fetch(A, [S.JUDICIAL, S.PATENTS]))
    assert both["litigations"] == ["(2024)皖01民初123号['CN110000001B']"]


async def test_events_follow_their_source(provider: DirectoryProvider) -> None:
    assert "events" not in await provider.fetch(C, [S.REGISTRATION, S.TAX])
    judicial = keys(await provider.fetch(C, [S.JUDICIAL]))
    assert judicial["events"] == ["dishonest_listed"]
    assert judicial["enterprises"] == [B, C]


async def test_unknown_enterprise_and_no_source(provider: DirectoryProvider) -> None:
    assert await provider.fetch("91340100MA9999999X", list(S)) == {}
    assert await provider.lookup("91340100MA9999999X") is None
    assert await provider.fetch(A, []) == {"enterprises": [tiny_world()["enterprises"][0]]}


async def test_lookup_is_the_registration_record(provider: DirectoryProvider) -> None:
    record = await provider.lookup(A)
    assert record is not None
    assert record["name"] == "合肥量子科技有限公司"


async def test_select_is_idempotent_and_leaves_rows_alone(provider: DirectoryProvider) -> None:
    full = await provider.fetch(A, list(S))
    before = json.dumps(full, sort_keys=True)
    for sources in ([S.JUDICIAL], [S.TAX, S.CREDIT_BUREAU], list(S)):
        once = select_rows(full, sources, uscc=A)
        assert select_rows(once, sources, uscc=A) == once
    assert json.dumps(full, sort_keys=True) == before


def test_without_the_subject_registration_keeps_every_record() -> None:
    world = tiny_world()
    rows = {"enterprises": world["enterprises"], "tax": world["tax"]}
    assert len(select_rows(rows, [S.REGISTRATION])["enterprises"]) == 3
    assert keys(select_rows(rows, [S.TAX]))["enterprises"] == [A, C]


async def test_everything_of_one_enterprise_imports_into_an_empty_database(
    db: str, provider: DirectoryProvider
) -> None:
    from db.models import Enterprise, Patent
    from domain.world.importer import import_world_rows

    report = await import_world_rows(await provider.fetch(A, list(S)))
    assert report.total_added > 0
    assert await Enterprise.filter(uscc__in=[A, B, C]).count() == 3
    assert await Patent.all().count() == 3
