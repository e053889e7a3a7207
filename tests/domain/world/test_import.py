"""World import: validation with file:line reasons, all-or-nothing, idempotent, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import Enterprise, Event, Litigation, LitigationParty, Patent, Relation
from domain.world.exporter import export_world
from domain.world.importer import WorldInvalid, import_world_dir
from tests.factories import A, B, tiny_world, write_world


async def test_import_writes_every_table(db: str, tmp_path: Path) -> None:
    write_world(tiny_world(), tmp_path / "w")

    report = await import_world_dir(tmp_path / "w")

    assert report.added["enterprises"] == 3
    assert await Patent.all().count() == 3
    assert (await Patent.get(number="CN110000001B")).forward_citations == 2
    assert await LitigationParty.all().count() == 4
    assert await Relation.filter(kind="guarantee").count() == 2
    ent = await Enterprise.get(uscc=A)
    assert ent.extra == {"website": "kept.example"}
    assert str(ent.registered_capital) == "5000000.00"
    ev = await Event.get(event_id="ev-1")
    assert ev.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert ev.occurred_at.hour == 1


async def test_reimport_changes_nothing(db: str, tmp_path: Path) -> None:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")

    report = await import_world_dir(tmp_path / "w")

    assert report.total_added == 0
    assert report.unchanged["patents"] == 3
    assert await Litigation.all().count() == 2
    assert await LitigationParty.all().count() == 4


@pytest.mark.parametrize(
    ("file", "index", "change", "reason"),
    [
        ("enterprises", 0, {"uscc": A[:-1] + ("0" if A[-1] != "0" else "1")}, "not a valid USCC"),
        ("enterprises", 1, {"registered_capital": -5}, "must not be negative"),
        ("enterprises", 1, {"founded_on": "2999-01-01"}, "too far in the future"),
        ("enterprises", 1, {"status": "zombie"}, "status 'zombie' is not one of"),
        ("patents", 0, {"owner": "91340100MA0000099X"}, "unknown owner"),
        ("patents", 0, {"granted_on": "2017-01-01"}, "granted_on is before filed_on"),
        ("patent_citations", 0, {"cited": "CN999"}, "unknown patent 'CN999'"),
        ("litigations", 0, {"patents": ["CN404"]}, "unknown patent 'CN404'"),
        ("tax", 0, {"rating": "Z"}, "rating 'Z' is not one of"),
        ("financials", 0, {"period": "2024Q5"}, "must look like 2024 or 2024Q3"),
        ("events", 0, {"occurred_at": "2024-06-01T09:00:00"}, "has no UTC offset"),
        ("events", 0, {"type": "alien_abduction"}, "type 'alien_abduction' is not one of"),
        ("relations", 0, {"to": "nobody"}, "unknown to 'nobody'"),
        ("outcomes", 0, {"defaulted": "yes"}, "defaulted must be true or false"),
    ],
)
async def test_bad_line_is_reported_and_nothing_written(
    db: str, tmp_path: Path, file: str, index: int, change: dict[str, object], reason: str
) -> None:
    world = tiny_world()
    world[file][index].update(change)
    write_world(world, tmp_path / "w")

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(tmp_path / "w")

    assert any(
        line.startswith(f"{file}.jsonl:{index + 1}: ") and reason in line
        for line in err.value.lines
    ), err.value.lines
    assert await Enterprise.all().count() == 0


async def test_malformed_json_is_reported_with_line(db: str, tmp_path: Path) -> None:
    write_world(tiny_world(), tmp_path / "w")
    with (tmp_path / "w" / "patents.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(tmp_path / "w")

    assert err.value.lines == [
        "patents.jsonl:4: malformed JSON: Expecting property name enclosed in double quotes at column 2"
    ]
    assert await Patent.all().count() == 0


async def test_export_then_import_round_trips(db: str, tmp_path: Path) -> None:
    from db.connection import close_db, init_db

    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await export_world(tmp_path / "out1")
    url = db
    await close_db()
    await init_db("sqlite://:memory:" if url.startswith("sqlite") else url)
    if not url.startswith("sqlite"):
        from tortoise import connections

        await connections.get("default").execute_script(
            "TRUNCATE enterprise, person, relation, patent, patent_citation, litigation, "
            "litigation_party, litigation_patent, tax_record, financial, event, outcome CASCADE"
        )

    await import_world_dir(tmp_path / "out1")
    await export_world(tmp_path / "out2")

    for f in sorted((tmp_path / "out1").iterdir()):
        assert f.read_bytes() == (tmp_path / "out2" / f.name).read_bytes(), f.name
    exported = (tmp_path / "out1" / "enterprises.jsonl").read_text(encoding="utf-8")
    assert '"website": "kept.example"' in exported
    assert B in exported


async def test_a_failure_late_in_the_import_leaves_nothing_behind(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.bulk import BulkWriter
    from db.models import Outcome

    write_world(tiny_world(), tmp_path / "w")
    insert = BulkWriter.insert

    async def boom(self: BulkWriter, table: str, *args: object) -> None:
        if table == Outcome._meta.db_table:
            raise RuntimeError("disk full")
        await insert(self, table, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(BulkWriter, "insert", boom)
    with pytest.raises(RuntimeError):
        await import_world_dir(tmp_path / "w")

    assert await Enterprise.all().count() == 0
    assert await Patent.all().count() == 0
