"""Write checked world rows through the bulk path: parents first, only what is new.

A line whose natural key is already stored is left as it is (an import adds, it never
overwrites): it counts as `unchanged`. Tables that were empty when the import began need no
look-up at all, which is the case of a first import. Patents are written after their citations,
with their forward citation counts, so that no patent row is written twice.
"""

from __future__ import annotations

import asyncio
from array import array
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from db.bulk import BulkWriter
from domain.world import rows
from domain.world.chunk import Parsed
from domain.world.rows import Facts
from domain.world.scan import KnownKeys, WorldScan
from domain.world.validate import FILES

_TABLES_OF = {"litigations": (rows.LITIGATION, rows.PARTY, rows.LINK)}
# where references of each kind are stored: (file, table, column)
_STORED = {
    "usccs": ("enterprises", "enterprise", "uscc"),
    "persons": ("persons", "person", "person_id"),
    "patents": ("patents", "patent", "number"),
}


@dataclass
class ImportReport:
    """What an import did: records added and already present per file, and which enterprises.

    `added_usccs` are the enterprises new to the database; `changed_usccs` every enterprise that
    a written record names (new ones included) — what derived data (snapshots, scores) must
    catch up with.
    """

    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    seconds: float = 0.0
    added_usccs: list[str] = field(default_factory=list)
    changed_usccs: set[str] = field(default_factory=set)

    @property
    def total_added(self) -> int:
        """All records added."""
        return sum(self.added.values())

    @property
    def total_rows(self) -> int:
        """All lines read."""
        return sum(self.rows.values())


class WorldLoader:
    """Writes the checked chunks of one import, inside its transaction."""

    def __init__(self, bulk: BulkWriter, report: ImportReport, *, defer_indexes: bool = False):
        self.bulk = bulk
        self.report = report
        self.defer_indexes = defer_indexes  # empty tables load without their indexes
        self.ids: dict[str, int] = {}  # enterprise ids by USCC
        self.filled: set[str] = set()  # files whose table held rows before the import
        self.deferred: list[str] = []
        self.forward = array("I")  # new citations of each patent of the world
        self.recount: set[str] = set()  # stored patents cited anew
        self._queue: deque[asyncio.Future[None]] = deque()  # database work, one after another

    def later(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` after the database work queued before it, while the caller goes on."""
        previous = self._queue[-1] if self._queue else None

        async def chained() -> None:
            if previous is not None:
                await previous
            await work()

        self._queue.append(asyncio.ensure_future(chained()))

    async def catch_up(self, behind: int = 0) -> None:
        """Wait until at most `behind` pieces of work are queued (their errors are raised)."""
        while len(self._queue) > behind:
            await self._queue.popleft()

    async def settle(self) -> None:
        """Let queued work end, whatever happens, before the transaction does."""
        while self._queue:
            await asyncio.gather(self._queue.popleft(), return_exceptions=True)

    async def prepare(self) -> None:
        """Note which tables held rows before the import."""
        for name in FILES:
            if await self.bulk.has_rows(rows.TABLES[name].name):
                self.filled.add(name)

    @property
    def may_refer_to_stored(self) -> bool:
        """Whether references may point at rows stored before the import."""
        return any(file in self.filled for file, _, _ in _STORED.values())

    async def resolve(self, wanted: dict[str, set[str]], known: KnownKeys) -> set[str]:
        """Look up referenced keys in the database; adds those found to `known`, returns the
        others as `kind:key`."""
        await self.catch_up()
        absent: set[str] = set()
        for kind, keys in wanted.items():
            file, table, column = _STORED[kind]
            found: set[str] = set()
            if keys and file in self.filled:
                stored = await self.bulk.lookup(table, (column,), column, sorted(keys))
                found = {str(r[0]) for r in stored}
            getattr(known, kind).update(found)
            absent.update(f"{kind}:{k}" for k in keys - found)
        return absent

    async def begin_file(self, name: str) -> None:
        """Before the first rows of a file: an empty table loads without its indexes."""
        if name in self.filled or not self.defer_indexes:
            return
        for table in _TABLES_OF.get(name, (rows.TABLES[name],)):
            self.deferred += await self.bulk.defer_indexes(table.name)

    async def end_file(self, name: str) -> None:
        """After the last rows of a file: indexes are built again, enterprises get their ids."""
        await self.bulk.rebuild(self.deferred)
        self.deferred = []
        if name == "enterprises" and name not in self.filled:  # the table holds the world's only
            found = await self.bulk.fetch("SELECT uscc, id FROM enterprise")
            self.ids = {str(u): int(i) for u, i in found}

    async def _need_ids(self, usccs: Iterable[str]) -> dict[str, int]:
        """The enterprise ids by USCC, with those of `usccs` looked up if not known yet."""
        missing = {u for u in usccs if u not in self.ids}
        if missing:
            found = await self.bulk.lookup("enterprise", ("uscc", "id"), "uscc", sorted(missing))
            self.ids.update((str(u), int(i)) for u, i in found)
        return self.ids

    async def write(self, name: str, parsed: Parsed, scan: WorldScan) -> None:
        """Write the rows of one checked chunk (patents: `write_patents`)."""
        if name in ("tax", "financials"):
            await self._need_ids(f[0] for f in parsed.facts)
        facts, chunk_rows = await self._new_only(name, parsed.facts, parsed.rows)
        self.report.unchanged[name] += len(parsed.facts) - len(facts)
        if not facts:
            return
        if name in ("tax", "financials"):
            chunk_rows = self._after_enterprise(facts, chunk_rows)
        table = rows.TABLES[name]
        await self.bulk.insert(table.name, table.columns, chunk_rows)
        self.report.added[name] += len(facts)
        self._note_changed(name, facts)
        if name == "litigations":
            await self._parties_and_patents(facts)
        elif name == "patent_citations":
            self._count_citations(facts, scan.patents)

    async def write_patents(self, parsed: Parsed, scan: WorldScan) -> None:
        """Write a chunk of patents, read again once their citations are counted."""
        facts, chunk_rows = await self._new_only("patents", parsed.facts, parsed.rows)
        self.report.unchanged["patents"] += len(parsed.facts) - len(facts)
        forward, numbers = self._forward_counts(len(scan.patents)), scan.patents
        if len(facts) < len(parsed.facts):  # stored ones cited anew are counted again at the end
            fresh = {f[0] for f in facts}
            self.recount.update(
                f[0] for f in parsed.facts if f[0] not in fresh and forward[numbers[f[0]]]
            )
        if not facts:
            return
        ids, text = (
            await self._need_ids(f[1] for f in facts if f[1] is not None),
            self.bulk.postgres,
        )
        out: list[Any] = []
        for (number, owner), row in zip(facts, chunk_rows, strict=True):
            owner_id = ids[owner] if owner is not None else None
            count = forward[numbers[number]]
            out.append(f"{owner_id}\t{count}\t{row}" if text else (owner_id, count, *row))
        await self.bulk.insert(rows.PATENT.name, rows.PATENT.columns, out)
        self.report.added["patents"] += len(facts)
        self._note_changed("patents", facts)

    async def finish(self) -> None:
        """Count again the forward citations of stored patents that new citations point at."""
        if self.recount:
            await self.bulk.execute_where_in(
                "UPDATE patent SET forward_citations = (SELECT COUNT(*) FROM patent_citation c "
                "WHERE c.cited = patent.number)", "number", sorted(self.recount),
            )  # fmt: skip

    def _after_enterprise(self, facts: list[Facts], chunk_rows: list[Any]) -> list[Any]:
        """Rows of tax or statements after their enterprise id."""
        ids = self.ids
        if self.bulk.postgres:
            return [f"{ids[f[0]]}\t{row}" for f, row in zip(facts, chunk_rows, strict=True)]
        return [(ids[f[0]], *row) for f, row in zip(facts, chunk_rows, strict=True)]

    async def _new_only(
        self, name: str, facts: list[Facts], chunk_rows: list[Any]
    ) -> tuple[list[Facts], list[Any]]:
        if name not in self.filled:
            return facts, chunk_rows
        table = rows.TABLES[name]
        keys = [self._natural_key(name, f) for f in facts]
        found = await self.bulk.lookup(table.name, table.key, table.key[0], [k[0] for k in keys])
        stored = {rows.stored_key(row) for row in found}
        keep = [k not in stored for k in keys]
        return (
            [f for f, k in zip(facts, keep, strict=True) if k],
            [r for r, k in zip(chunk_rows, keep, strict=True) if k],
        )

    def _natural_key(self, name: str, f: Facts) -> tuple[Any, ...]:
        """A line's natural key in the column order of its table's `key`."""
        if name in ("tax", "financials"):
            return (self.ids[f[0]], f[1])
        if name == "relations":
            return (f[1], f[0], f[2], f[3])
        if name in ("patent_citations", "outcomes"):
            return (f[0], f[1])
        return (f[0],)

    def _note_changed(self, name: str, facts: Sequence[Facts]) -> None:
        changed = self.report.changed_usccs
        if name == "enterprises":
            self.report.added_usccs.extend(f[0] for f in facts)
            changed.update(f[0] for f in facts)
        elif name == "relations":  # from an enterprise, or from a person (officer)
            changed.update(u for f in facts for u in (f[1], f[2]) if f[0] != "officer" or u == f[2])
        elif name == "patents":
            changed.update(f[1] for f in facts if f[1] is not None)
        elif name == "litigations":
            changed.update(u for f in facts for u, _ in f[1])
        elif name in ("tax", "financials", "outcomes"):
            changed.update(f[0] for f in facts)
        elif name == "events":
            changed.update(f[1] for f in facts)

    def _forward_counts(self, patents: int) -> array[int]:
        """A count per patent of the world, zero until citations are counted."""
        if len(self.forward) < patents:
            self.forward.frombytes(bytes(self.forward.itemsize * (patents - len(self.forward))))
        return self.forward

    def _count_citations(self, facts: list[Facts], numbers: dict[str, int]) -> None:
        forward = self._forward_counts(len(numbers))
        for _, cited in facts:
            i = numbers.get(cited)
            if i is None:
                self.recount.add(cited)
            else:
                forward[i] += 1

    async def _parties_and_patents(self, facts: list[Facts]) -> None:
        """The parties and patents of new cases, in the order given."""
        bulk = self.bulk
        cases = await bulk.lookup("litigation", ("case_no", "id"), "case_no", [f[0] for f in facts])
        case_ids: dict[str, int] = {str(c): int(i) for c, i in cases}
        numbers = [n for f in facts for n in f[2]]
        patents = await bulk.lookup("patent", ("number", "id"), "number", numbers)
        patent_ids: dict[str, int] = {str(n): int(i) for n, i in patents}
        ids, encode = await self._need_ids(u for f in facts for u, _ in f[1]), bulk.encode
        parties: list[Any] = []
        links: list[Any] = []
        for case_no, case_parties, case_patents in facts:
            case = case_ids[case_no]
            parties += [encode((case, ids[u], role, i)) for i, (u, role) in enumerate(case_parties)]
            links += [encode((case, patent_ids[n], i)) for i, n in enumerate(case_patents)]
        await bulk.insert(rows.PARTY.name, rows.PARTY.columns, parties)
        await bulk.insert(rows.LINK.name, rows.LINK.columns, links)
