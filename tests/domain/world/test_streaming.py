"""Streaming import: all or nothing across batches, the same rows as the ORM writes, bounded memory."""

from __future__ import annotations

import json
import tracemalloc
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from db.bulk import BulkWriter
from db.models import Enterprise, Event, Financial, Outcome, Patent
from domain.world import chunk, importer
from domain.world.generator import generate_world, write_world
from domain.world.importer import WorldInvalid, import_world_dir
from domain.world.validate import FILES, read_lines
from tests.domain.world.reference import dump_world, load_with_orm
from tests.factories import tiny_world
from tests.factories import write_world as write_rows


def _world(tmp_path: Path, enterprises: int, seed: int = 5) -> Path:
    directory = tmp_path / f"w{enterprises}"
    write_world(generate_world(enterprises=enterprises, seed=seed), directory)
    return directory


def _spoil_last_line(path: Path, change: dict[str, Any]) -> int:
    """Change the last line of a file; its line number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[-1]) | change
    lines[-1] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


async def test_a_bad_line_in_the_last_file_leaves_nothing_after_many_batches(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunk, "CHUNK_BYTES", 2048)  # many chunks are written before the bad line
    world = _world(tmp_path, 60)
    last = _spoil_last_line(world / "outcomes.jsonl", {"as_of": "not a date"})
    bad_event = _spoil_last_line(world / "events.jsonl", {"uscc": "91340100MA0000099X"})

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(world)

    assert err.value.lines == [
        f"events.jsonl:{bad_event}: uscc '91340100MA0000099X' is not a valid USCC "
        "(check character or format)",
        f"outcomes.jsonl:{last}: as_of 'not a date' is not an ISO date",
    ]
    assert err.value.count == 2
    for model in (Enterprise, Patent, Financial, Event, Outcome):
        assert await model.all().count() == 0, model.__name__


async def test_every_bad_line_is_counted_and_the_first_thousand_shown(
    db: str, tmp_path: Path
) -> None:
    rows = tiny_world()
    rows["events"] = [
        {"id": f"e{i}", "uscc": rows["enterprises"][0]["uscc"], "type": "nonsense",
         "occurred_at": "2024-01-01T00:00:00+00:00"}
        for i in range(1200)
    ]  # fmt: skip
    write_rows(rows, tmp_path / "w")

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(tmp_path / "w")

    assert err.value.count == 1200
    assert err.value.message == "1200 bad line(s); nothing was imported"
    assert len(err.value.lines) == 1001
    assert err.value.lines[0].startswith("events.jsonl:1: type 'nonsense' is not one of")
    assert err.value.lines[-1] == "... and 200 more bad line(s)"
    assert await Enterprise.all().count() == 0


async def test_repeats_across_batches_collapse_and_contradictions_are_refused(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunk, "CHUNK_BYTES", 1024)
    world = _world(tmp_path, 40)
    lines = (world / "financials.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    # the same record again, its fields in another order: one record
    again = json.dumps(dict(reversed(list(first.items()))), ensure_ascii=False)
    (world / "financials.jsonl").write_text("\n".join([*lines, again]) + "\n", encoding="utf-8")

    report = await import_world_dir(world)

    assert report.duplicates_collapsed["financials"] == 1
    assert report.added["financials"] == len(lines) == await Financial.all().count()

    other = json.dumps(first | {"revenue": "1.00"}, ensure_ascii=False)
    (world / "financials.jsonl").write_text("\n".join([*lines, other]) + "\n", encoding="utf-8")
    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(world)

    key = (first["uscc"], first["period"])
    assert err.value.lines == [
        f"financials.jsonl:{len(lines) + 1}: duplicate key {key} with other content"
    ]


@pytest.mark.parametrize(("rows", "workers"), [("tiny", 0), ("generated", 0), ("generated", 2)])
async def test_the_bulk_path_stores_what_the_orm_stores(
    db: str, tmp_path: Path, rows: str, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rows, whether lines are parsed in a thread or in worker processes."""
    from tortoise import connections

    from db.connection import close_db, init_db
    from tests.domain.world.reference import WORLD_TABLES

    monkeypatch.setattr(chunk, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(chunk, "CHUNK_ROWS", 100)
    data = tiny_world() if rows == "tiny" else generate_world(enterprises=50, seed=9)
    write_rows(data, tmp_path / "w")
    await import_world_dir(tmp_path / "w", workers=workers)
    bulk = await dump_world()
    if db.startswith("sqlite"):
        await close_db()
        await init_db(db)
    else:
        tables = ", ".join(WORLD_TABLES)
        await connections.get("default").execute_script(
            f"TRUNCATE {tables} RESTART IDENTITY CASCADE"
        )

    await load_with_orm({n: list(read_lines(tmp_path / "w" / f"{n}.jsonl")) for n in FILES})

    orm = await dump_world()
    assert sum(len(v) for v in orm.values()) > (2_000 if rows == "generated" else 20)
    for table in orm:
        assert bulk[table] == orm[table], table


def _peak_bytes(world: Path, db_url: str) -> int:
    """Peak Python memory while importing a world into a fresh SQLite file."""
    import asyncio

    from db.connection import close_db, init_db

    async def go() -> None:
        await init_db(db_url)
        try:
            await import_world_dir(world)
        finally:
            await close_db()

    tracemalloc.start()
    try:
        asyncio.run(go())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_by_keys_not_by_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice the world costs far less than holding the extra records would."""
    monkeypatch.setattr(chunk, "CHUNK_BYTES", 64 << 10)
    small, large = _world(tmp_path, 150, seed=3), _world(tmp_path, 300, seed=3)
    lines = {w: sum(1 for n in FILES for _ in (w / f"{n}.jsonl").open()) for w in (small, large)}
    extra_lines = lines[large] - lines[small]
    tracemalloc.start()
    held = [r for n in FILES for r in read_lines(large / f"{n}.jsonl")]
    per_record = tracemalloc.get_traced_memory()[0] / len(held)
    tracemalloc.stop()
    del held

    _peak_bytes(small, f"sqlite://{tmp_path / 'warm.sqlite3'}")  # modules load outside the count
    peaks = [_peak_bytes(w, f"sqlite://{tmp_path / w.name}.sqlite3") for w in (small, large)]

    growth = peaks[1] - peaks[0]
    assert extra_lines > 10_000
    assert growth < 0.2 * extra_lines * per_record, (peaks, extra_lines, per_record)


async def _pg_schema() -> list[str]:
    from tortoise import connections

    conn = connections.get("default")
    indexes = await conn.execute_query_dict(
        "SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
    )
    constraints = await conn.execute_query_dict(
        "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
        "AS d FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
    )
    return [r["d"] for r in indexes + constraints]


async def test_postgres_copies_and_keeps_every_index_and_constraint(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Empty tables load without their indexes; success or failure, the schema is as before."""
    if not db.startswith("postgres"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
    import asyncpg

    copies: list[str] = []
    copy = asyncpg.connection.Connection.copy_to_table

    async def spy(self: Any, table: str, **kwargs: Any) -> Any:
        copies.append(table)
        return await copy(self, table, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "copy_to_table", spy)
    rebuilt: list[str] = []
    rebuild = BulkWriter.rebuild

    async def rebuild_spy(self: BulkWriter, statements: list[str]) -> None:
        rebuilt.extend(statements)
        await rebuild(self, statements)

    monkeypatch.setattr(BulkWriter, "rebuild", rebuild_spy)
    monkeypatch.setattr(chunk, "CHUNK_BYTES", 8192)
    monkeypatch.setattr(importer, "LARGE_BYTES", 0)  # tables load without indexes, then get them
    schema = await _pg_schema()
    world = _world(tmp_path, 40)
    good = (world / "outcomes.jsonl").read_text(encoding="utf-8")
    last = _spoil_last_line(world / "outcomes.jsonl", {"defaulted": "yes"})

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(world)
    assert err.value.lines == [f"outcomes.jsonl:{last}: defaulted must be true or false"]
    assert await Enterprise.all().count() == 0 and await Financial.all().count() == 0
    assert await _pg_schema() == schema
    assert copies.count("financial") > 1

    (world / "outcomes.jsonl").write_text(good, encoding="utf-8")
    report = await import_world_dir(world)
    assert report.added["financials"] == await Financial.all().count() > 0
    assert any("patent_citation" in sql for sql in rebuilt)  # loaded without, then built again
    assert await _pg_schema() == schema
    again = await import_world_dir(world)
    assert again.total_added == 0 and again.unchanged["events"] == report.added["events"]


async def test_a_later_import_refers_to_stored_rows(db: str, tmp_path: Path) -> None:
    """References may point at rows of an earlier import; new citations of a stored patent
    count in its forward citations."""
    from db.models import TaxRecord
    from domain.world.importer import import_world_rows
    from tests.factories import A, B, C, uscc

    write_rows(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    event = {"uscc": A, "occurred_at": "2024-07-01T00:00:00+00:00", "type": "equity_frozen"}
    later = {
        "relations": [{"kind": "officer", "from": "P1", "to": B, "role": "director"}],
        "patent_citations": [{"citing": "CN110000003A", "cited": "CN210000002U"}],
        "tax": [{"uscc": C, "year": 2022, "rating": "B"}],
        "events": [{"id": "ev-9", **event}],
    }

    report = await import_world_rows(later)

    assert (report.added["relations"], report.added["patent_citations"]) == (1, 1)
    assert (report.added["tax"], report.added["events"]) == (1, 1)
    assert report.changed_usccs == {A, B, C}
    assert await TaxRecord.filter(enterprise__uscc=C).count() == 2
    assert (await Patent.get(number="CN210000002U")).forward_citations == 1
    assert (await Patent.get(number="CN110000001B")).forward_citations == 2
    stranger = uscc(99)
    with pytest.raises(WorldInvalid) as err:
        await import_world_rows({"events": [{"id": "ev-10", **event, "uscc": stranger}]})
    assert err.value.lines == [f"events.jsonl:1: unknown enterprise {stranger!r}"]
    assert await Event.filter(event_id="ev-10").count() == 0


async def test_patents_that_change_between_their_two_readings_abandon_the_import(
    db: str, tmp_path: Path
) -> None:
    from domain.world.chunk import file_chunks
    from domain.world.importer import import_chunks
    from domain.world.scan import WorldChanged

    write_rows(tiny_world(), tmp_path / "w")
    readings: list[int] = []

    def patents() -> Any:
        readings.append(1)
        lines = (tmp_path / "w" / "patents.jsonl").read_bytes().splitlines(keepends=True)
        return iter([b"".join(lines if len(readings) == 1 else lines[:-1])])

    sources = {n: partial(file_chunks, tmp_path / "w" / f"{n}.jsonl") for n in FILES}
    sources["patents"] = patents

    with pytest.raises(WorldChanged):
        await import_chunks(sources)

    assert len(readings) == 2
    assert await Enterprise.all().count() == 0
