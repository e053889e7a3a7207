"""Import a validated world into the database, all or nothing, idempotent on natural keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

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
from domain.errors import InvalidInput
from domain.world.parse import KnownKeys, validate_dir, validate_lines
from domain.world.validate import ValidatedWorld

BATCH = 2000
Progress = Callable[[str, int], None]


@dataclass
class ImportReport:
    """How many records each file added; the rest were already there."""

    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def total_added(self) -> int:
        """All records added."""
        return sum(self.added.values())


class WorldInvalid(InvalidInput):
    """The world has bad lines; nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} bad line(s); nothing was imported")
        self.lines = errors


async def known_keys() -> KnownKeys:
    """Natural keys already stored, so references to them resolve."""
    return KnownKeys(
        usccs={str(u) for u in await Enterprise.all().values_list("uscc", flat=True)},
        persons={str(p) for p in await Person.all().values_list("person_id", flat=True)},
        patents={str(n) for n in await Patent.all().values_list("number", flat=True)},
    )


async def import_world_dir(directory: Path, *, progress: Progress | None = None) -> ImportReport:
    """Validate then import a world directory; raises WorldInvalid listing every bad line."""
    world = validate_dir(directory, known=await known_keys(), today=datetime.now(UTC).date())
    return await import_validated(world, progress=progress)


async def import_world_rows(
    rows: dict[str, list[dict[str, Any]]], *, progress: Progress | None = None
) -> ImportReport:
    """Validate then import in-memory world rows (as in the JSON Lines files)."""
    sources = {name: list(enumerate(items, start=1)) for name, items in rows.items()}
    world = validate_lines(sources, known=await known_keys(), today=datetime.now(UTC).date())  # type: ignore[arg-type]
    return await import_validated(world, progress=progress)


async def import_validated(
    world: ValidatedWorld, *, progress: Progress | None = None
) -> ImportReport:
    """Write a validated world in one transaction."""
    if not world.ok:
        raise WorldInvalid([str(e) for e in world.errors])
    report = ImportReport()
    async with in_transaction() as conn:
        writer = _Writer(conn, world.records, report, progress)
        await writer.run()
    return report


def _clean(rec: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k != "_line" and k not in drop}


class _Writer:
    def __init__(
        self,
        conn: BaseDBAsyncClient,
        records: dict[str, list[dict[str, Any]]],
        report: ImportReport,
        progress: Progress | None,
    ):
        self.conn = conn
        self.records = records
        self.report = report
        self.progress = progress

    async def _bulk(
        self, name: str, model: type[Model], objs: Sequence[Model], skipped: int
    ) -> None:
        for start in range(0, len(objs), BATCH):
            await model.bulk_create(list(objs[start : start + BATCH]), using_db=self.conn)
            if self.progress:
                self.progress(name, min(start + BATCH, len(objs)))
        self.report.added[name] = len(objs)
        self.report.unchanged[name] = skipped

    async def run(self) -> None:
        """Write every file, parents before the records that refer to them."""
        c = self.conn
        ent_ids = await self._enterprises()
        await self._persons()
        await self._relations()
        pat_ids = await self._patents(ent_ids)
        await self._citations()
        await self._litigations(ent_ids, pat_ids)
        await self._keyed(
            "tax", TaxRecord, ent_ids, lambda r: (r["uscc"], r["year"]),
            await TaxRecord.all().using_db(c).values_list("enterprise__uscc", "year"),
        )  # fmt: skip
        await self._keyed(
            "financials", Financial, ent_ids, lambda r: (r["uscc"], r["period"]),
            await Financial.all().using_db(c).values_list("enterprise__uscc", "period"),
        )  # fmt: skip
        await self._events()
        await self._outcomes()

    async def _enterprises(self) -> dict[str, int]:
        """Add new enterprises; returns the id of every stored enterprise by USCC."""
        c = self.conn
        recs = self.records["enterprises"]
        have = set(await Enterprise.all().using_db(c).values_list("uscc", flat=True))
        new = [Enterprise(**_clean(r)) for r in recs if r["uscc"] not in have]
        await self._bulk("enterprises", Enterprise, new, len(recs) - len(new))
        return dict(await Enterprise.all().using_db(c).values_list("uscc", "id"))

    async def _persons(self) -> None:
        recs = self.records["persons"]
        have = set(await Person.all().using_db(self.conn).values_list("person_id", flat=True))
        new = [Person(**_clean(r)) for r in recs if r["person_id"] not in have]
        await self._bulk("persons", Person, new, len(recs) - len(new))

    async def _relations(self) -> None:
        recs = self.records["relations"]
        have = {
            tuple(t)
            for t in await Relation.all()
            .using_db(self.conn)
            .values_list("kind", "src", "dst", "role")
        }
        new = [
            Relation(**_clean(r))
            for r in recs
            if (r["kind"], r["src"], r["dst"], r["role"]) not in have
        ]
        await self._bulk("relations", Relation, new, len(recs) - len(new))

    async def _patents(self, ent_ids: dict[str, int]) -> dict[str, int]:
        """Add new patents; returns the id of every stored patent by number."""
        c = self.conn
        recs = self.records["patents"]
        have = set(await Patent.all().using_db(c).values_list("number", flat=True))
        new = [
            Patent(
                **_clean(r, ("owner",)), owner_id=ent_ids.get(r["owner"]) if r["owner"] else None
            )
            for r in recs
            if r["number"] not in have
        ]
        await self._bulk("patents", Patent, new, len(recs) - len(new))
        return dict(await Patent.all().using_db(c).values_list("number", "id"))

    async def _citations(self) -> None:
        """Add new citations and recount forward citations when there were any."""
        c = self.conn
        recs = self.records["patent_citations"]
        have = {
            tuple(t) for t in await PatentCitation.all().using_db(c).values_list("citing", "cited")
        }
        new = [PatentCitation(**_clean(r)) for r in recs if (r["citing"], r["cited"]) not in have]
        await self._bulk("patent_citations", PatentCitation, new, len(recs) - len(new))
        if new:
            # execute_query, not execute_script: on SQLite a script commits the transaction
            await c.execute_query(
                "UPDATE patent SET forward_citations = "
                "(SELECT COUNT(*) FROM patent_citation pc WHERE pc.cited = patent.number)"
            )

    async def _events(self) -> None:
        recs = self.records["events"]
        have = set(await Event.all().using_db(self.conn).values_list("event_id", flat=True))
        new = [Event(**_clean(r), source="import") for r in recs if r["event_id"] not in have]
        await self._bulk("events", Event, new, len(recs) - len(new))

    async def _outcomes(self) -> None:
        recs = self.records["outcomes"]
        have = {
            tuple(t) for t in await Outcome.all().using_db(self.conn).values_list("uscc", "as_of")
        }
        new = [Outcome(**_clean(r)) for r in recs if (r["uscc"], r["as_of"]) not in have]
        await self._bulk("outcomes", Outcome, new, len(recs) - len(new))

    async def _keyed(
        self,
        name: str,
        model: type[Model],
        ent_ids: dict[str, int],
        key: Callable[[dict[str, Any]], tuple[Any, ...]],
        existing: list[Any],
    ) -> None:
        have = {tuple(t) for t in existing}
        new = [
            model(**_clean(r, ("uscc",)), enterprise_id=ent_ids[r["uscc"]])
            for r in self.records[name]
            if key(r) not in have
        ]
        await self._bulk(name, model, new, len(self.records[name]) - len(new))

    async def _litigations(self, ent_ids: dict[str, int], pat_ids: dict[str, int]) -> None:
        c = self.conn
        recs = self.records["litigations"]
        have = set(await Litigation.all().using_db(c).values_list("case_no", flat=True))
        fresh = [r for r in recs if r["case_no"] not in have]
        objs = [Litigation(**_clean(r, ("parties", "patents"))) for r in fresh]
        await self._bulk("litigations", Litigation, objs, len(recs) - len(fresh))
        lit_ids = dict(
            await Litigation.filter(case_no__in=[r["case_no"] for r in fresh])
            .using_db(c)
            .values_list("case_no", "id")
        ) if fresh else {}  # fmt: skip
        parties = [
            LitigationParty(
                litigation_id=lit_ids[r["case_no"]],
                enterprise_id=ent_ids[p["uscc"]],
                role=p["role"],
                position=i,
            )
            for r in fresh
            for i, p in enumerate(r["parties"])
        ]
        links = [
            LitigationPatent(litigation_id=lit_ids[r["case_no"]], patent_id=pat_ids[n], position=i)
            for r in fresh
            for i, n in enumerate(r["patents"])
        ]
        for start in range(0, len(parties), BATCH):
            await LitigationParty.bulk_create(parties[start : start + BATCH], using_db=c)
        for start in range(0, len(links), BATCH):
            await LitigationPatent.bulk_create(links[start : start + BATCH], using_db=c)
