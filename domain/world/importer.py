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
        ent_ids = await self._enterprises()
        await self._add_new("persons", Person, ("person_id",), lambda r: Person(**_clean(r)))
        await self._add_new(
            "relations", Relation, ("kind", "src", "dst", "role"), lambda r: Relation(**_clean(r))
        )
        pat_ids = await self._patents(ent_ids)
        await self._citations()
        await self._litigations(ent_ids, pat_ids)
        await self._of_enterprises("tax", TaxRecord, "year", ent_ids)
        await self._of_enterprises("financials", Financial, "period", ent_ids)
        await self._add_new(
            "events", Event, ("event_id",), lambda r: Event(**_clean(r), source="import")
        )
        await self._add_new("outcomes", Outcome, ("uscc", "as_of"), lambda r: Outcome(**_clean(r)))

    async def _add_new(
        self,
        name: str,
        model: type[Model],
        stored: tuple[str, ...],
        build: Callable[[dict[str, Any]], Model],
        key: tuple[str, ...] | None = None,
    ) -> list[dict[str, Any]]:
        """Add the records of a file whose natural key is not stored yet; returns those records.

        `stored` names the key's columns in the database, `key` its fields in the records (the
        same names unless given).
        """
        records = self.records[name]
        fields = key or stored
        have = {tuple(t) for t in await model.all().using_db(self.conn).values_list(*stored)}
        fresh = [r for r in records if tuple(r[f] for f in fields) not in have]
        await self._bulk(name, model, [build(r) for r in fresh], len(records) - len(fresh))
        return fresh

    async def _of_enterprises(
        self, name: str, model: type[Model], period: str, ent_ids: dict[str, int]
    ) -> None:
        """Add new yearly or quarterly records of enterprises (keyed by USCC and period)."""
        await self._add_new(
            name, model, ("enterprise__uscc", period),
            lambda r: model(**_clean(r, ("uscc",)), enterprise_id=ent_ids[r["uscc"]]),
            key=("uscc", period),
        )  # fmt: skip

    async def _enterprises(self) -> dict[str, int]:
        """Add new enterprises; returns the id of every stored enterprise by USCC."""
        await self._add_new("enterprises", Enterprise, ("uscc",), lambda r: Enterprise(**_clean(r)))
        return dict(await Enterprise.all().using_db(self.conn).values_list("uscc", "id"))

    async def _patents(self, ent_ids: dict[str, int]) -> dict[str, int]:
        """Add new patents; returns the id of every stored patent by number."""

        def build(r: dict[str, Any]) -> Patent:
            owner = ent_ids.get(r["owner"]) if r["owner"] else None
            return Patent(**_clean(r, ("owner",)), owner_id=owner)

        await self._add_new("patents", Patent, ("number",), build)
        return dict(await Patent.all().using_db(self.conn).values_list("number", "id"))

    async def _citations(self) -> None:
        """Add new citations and recount forward citations when there were any."""
        build = lambda r: PatentCitation(**_clean(r))  # noqa: E731
        if await self._add_new("patent_citations", PatentCitation, ("citing", "cited"), build):
            # execute_query, not execute_script: on SQLite a script commits the transaction
            await self.conn.execute_query(
                "UPDATE patent SET forward_citations = "
                "(SELECT COUNT(*) FROM patent_citation pc WHERE pc.cited = patent.number)"
            )

    async def _litigations(self, ent_ids: dict[str, int], pat_ids: dict[str, int]) -> None:
        c = self.conn
        fresh = await self._add_new(
            "litigations", Litigation, ("case_no",),
            lambda r: Litigation(**_clean(r, ("parties", "patents"))),
        )  # fmt: skip
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
