"""Real registry data: distinct facts kept, exact repeats collapsed, contradictions refused."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from db.models import Enterprise, Event, PatentCitation, Relation
from domain.world.exporter import export_world
from domain.world.importer import WorldInvalid, import_world_dir, import_world_rows
from domain.world.rows import fingerprint
from tests.factories import A, B, tiny_world, write_world

SECOND_GUARANTEE = {"kind": "guarantee", "from": A, "to": B, "amount": "500000.00",
                    "since": "2023-07-15"}  # fmt: skip


def _real_world() -> dict[str, list[dict[str, Any]]]:
    """The tiny world as registries deliver it: two guarantee contracts between one pair, the
    first listed twice (fields in another order, amount written otherwise), a citation twice."""
    rows = tiny_world()
    first = rows["relations"][0]
    rows["relations"] += [
        SECOND_GUARANTEE,
        dict(reversed(list((first | {"amount": "2000000"}).items()))),
    ]
    rows["patent_citations"].append(dict(rows["patent_citations"][0]))
    return rows


async def test_distinct_guarantees_between_one_pair_are_kept_and_repeats_collapse(
    db: str, tmp_path: Path
) -> None:
    write_world(_real_world(), tmp_path / "w")

    report = await import_world_dir(tmp_path / "w")

    guarantees = await Relation.filter(kind="guarantee", src=A, dst=B).order_by("since")
    assert [(str(g.since), g.amount) for g in guarantees] == [
        ("2022-01-01", Decimal("2000000.00")),
        ("2023-07-15", Decimal("500000.00")),
    ]
    assert sum(g.amount for g in guarantees if g.amount) == Decimal("2500000.00")  # exposure
    assert report.duplicates_collapsed["relations"] == 1
    assert report.duplicates_collapsed["patent_citations"] == 1
    assert report.added["relations"] == 6 and report.rows["relations"] == 7
    assert await PatentCitation.all().count() == 2
    prints = await Relation.all().values_list("fingerprint", flat=True)
    assert len(set(prints)) == len(prints) == 6 and all(p and len(p) == 64 for p in prints)


async def test_the_same_fact_imported_again_is_one_row(db: str, tmp_path: Path) -> None:
    write_world(_real_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")

    again = await import_world_rows({"relations": [SECOND_GUARANTEE | {"amount": 500000}]})

    assert again.added["relations"] == 0 and again.unchanged["relations"] == 1
    assert await Relation.filter(kind="guarantee", src=A, dst=B).count() == 2


def test_a_fingerprint_covers_the_whole_fact() -> None:
    base = ("guarantee", A, B, None, "2022-01-01", "100.00", None, {"contract": "G-1"})
    same = fingerprint("guarantee", A, B, None, "2022-01-01", Decimal("100"), None,
                       {"contract": "G-1"})  # fmt: skip
    assert fingerprint(*base) == same
    for i, other in enumerate(["supply", B, A, "x", "2022-01-02", "100.01", 0.5, {"c": 1}]):
        changed: list[Any] = list(base)
        changed[i] = other
        assert fingerprint(*changed) != same, i


CONTRADICTIONS = [
    ("enterprises", 0, {"name": "另一家公司"}),
    ("persons", 0, {"name": "李四"}),
    ("patents", 0, {"title": "另一个标题"}),
    ("litigations", 0, {"amount": 1}),
    ("tax", 0, {"rating": "D"}),
    ("financials", 0, {"cash": 1}),
    ("events", 0, {"type": "equity_frozen"}),
    ("outcomes", 0, {"defaulted": True}),
]


@pytest.mark.parametrize(("file", "index", "change"), CONTRADICTIONS)
async def test_one_identity_two_contents_is_refused_at_the_later_line(
    db: str, tmp_path: Path, file: str, index: int, change: dict[str, Any]
) -> None:
    rows = tiny_world()
    rows[file].append(rows[file][index] | change)
    write_world(rows, tmp_path / "w")

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(tmp_path / "w")

    later = len(rows[file])
    assert len(err.value.lines) == 1, err.value.lines
    assert err.value.lines[0].startswith(f"{file}.jsonl:{later}: duplicate key ")
    assert err.value.lines[0].endswith("with other content")
    assert await Enterprise.all().count() == 0 and await Event.all().count() == 0


@pytest.mark.parametrize(("file", "index", "change"), CONTRADICTIONS)
async def test_one_identity_written_twice_alike_is_one_record(
    db: str, tmp_path: Path, file: str, index: int, change: dict[str, Any]
) -> None:
    rows = tiny_world()
    rows[file].append(json.loads(json.dumps(rows[file][index])))
    write_world(rows, tmp_path / "w")

    report = await import_world_dir(tmp_path / "w")

    assert report.duplicates_collapsed[file] == 1
    assert report.added[file] == len(rows[file]) - 1


async def test_export_then_import_keeps_every_distinct_fact(db: str, tmp_path: Path) -> None:
    from db.connection import close_db, init_db

    if not db.startswith("sqlite"):
        pytest.skip("starts again on an empty in-memory database")
    rows = _real_world()
    rows["enterprises"][0] |= {"settlement_account": {"bank": "徽商银行", "account": "1234567"},
                               "legal_rep_contact": "13900000001"}  # fmt: skip
    write_world(rows, tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await export_world(tmp_path / "out1")
    await close_db()
    await init_db("sqlite://:memory:")

    report = await import_world_dir(tmp_path / "out1")
    await export_world(tmp_path / "out2")

    assert report.total_collapsed == 0
    assert await Relation.filter(kind="guarantee", src=A, dst=B).count() == 2
    assert await PatentCitation.all().count() == 2
    first = await Enterprise.get(uscc=A)
    assert first.settlement_account == {"bank": "徽商银行", "account": "1234567"}
    assert first.legal_rep_contact == "13900000001"
    assert (await Enterprise.get(uscc=B)).settlement_account is None  # an older record
    for f in sorted((tmp_path / "out1").iterdir()):
        assert f.read_bytes() == (tmp_path / "out2" / f.name).read_bytes(), f.name


async def test_relations_stored_without_a_fingerprint_get_one(db: str, tmp_path: Path) -> None:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await Relation.all().update(fingerprint=None)

    report = await import_world_dir(tmp_path / "w")

    assert report.added["relations"] == 0 and report.unchanged["relations"] == 5
    assert await Relation.filter(fingerprint__isnull=True).count() == 0


@pytest.mark.parametrize(
    "account",
    [{"bank": "徽商银行"}, {"bank": "", "account": "1"}, "6222", {"bank": "b", "account": 1}],
)
async def test_a_malformed_settlement_account_is_refused(
    db: str, tmp_path: Path, account: object
) -> None:
    rows = tiny_world()
    rows["enterprises"][1]["settlement_account"] = account
    write_world(rows, tmp_path / "w")

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(tmp_path / "w")

    assert err.value.lines[0].startswith("enterprises.jsonl:2: settlement_account")
