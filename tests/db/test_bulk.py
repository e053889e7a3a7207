"""The bulk path stores awkward values as the ORM reads them back, on SQLite and PostgreSQL."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from db.bulk import BulkWriter, copy_line, json_text
from db.models import Person

AWKWARD = [
    "None", "", "a\ttab", "two\nlines", "carriage\rreturn", "back\\slash", "\\N", "张伟",
    "quote ' and \" both", "trailing space ",
]  # fmt: skip


def test_copy_lines_escape_what_copy_would_misread() -> None:
    assert copy_line(("a", 1, None, True, "x")) == "a\t1\tNone\tTrue\tx"
    assert copy_line(("None", None)) == "\\None\tNone"
    assert copy_line(("a\tb", "c\nd", "e\\f", "g\rh")) == "a\\tb\tc\\nd\te\\\\f\tg\\rh"


async def test_awkward_text_and_json_round_trip(db: str) -> None:
    extra = {"note": "back\\slash\ttab", "name": "李四", "nested": [1, None, "None"]}
    async with in_transaction() as conn:
        bulk = BulkWriter(conn)
        assert bulk.postgres == db.startswith("postgres")
        rows = [bulk.encode((f"p{i}", name, json_text(extra))) for i, name in enumerate(AWKWARD)]
        await bulk.insert("person", ("person_id", "name", "extra"), rows)
        found = await bulk.lookup("person", ("person_id", "name"), "person_id", ["p0", "p3"])

    assert sorted(found) == [("p0", "None"), ("p3", "two\nlines")]
    stored = {p.person_id: p for p in await Person.all()}
    assert [stored[f"p{i}"].name for i in range(len(AWKWARD))] == AWKWARD
    assert all(p.extra == extra for p in stored.values())


async def test_where_in_reaches_every_value(db: str) -> None:
    async with in_transaction() as conn:
        bulk = BulkWriter(conn)
        people = [bulk.encode((f"q{i}", "x", "{}")) for i in range(1200)]
        await bulk.insert("person", ("person_id", "name", "extra"), people)
        await bulk.execute_where_in(
            "UPDATE person SET name = 'y'", "person_id", [f"q{i}" for i in range(0, 1200, 2)]
        )
        assert await bulk.has_rows("person")

    assert await Person.filter(name="y").count() == 600
