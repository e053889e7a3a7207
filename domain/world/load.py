"""Write checked world rows through the bulk path: parents first, only what is new.

A line whose natural key is already stored is left as it is (an import adds, it never
overwrites): it counts as `unchanged`; a delta import (`delta`) compares it with the stored row
instead and updates in place what changed (`domain.world.delta`). A relation's key is the
fingerprint of its whole fact. Tables that were empty when the import began need no look-up at
all, which is the case of a first import. Patents are written after their citations, with their
forward citation counts, so that no patent row is written twice. A line the scan collapsed (the
same record again) is not written at all.
"""

from __future__ import annotations

import asyncio
from array import array
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from db.bulk import BulkWriter, copy_line
from domain.world import rows
from domain.world.chunk import Parsed
from domain.world.delta import update_changed
from domain.world.revision import backfill_fingerprints, bump_revision
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
    """What an import did: records added, updated in place (delta) and already present per
    file, exact repeats collapsed, and which enterprises.

    `added_usccs` are the enterprises new to the database; `changed_usccs` every enterprise that
    a written or updated record names (new ones included) — what derived data (snapshots,
    scores) must catch up with.
    """

    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    duplicates_collapsed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
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

    @property
    def total_updated(self) -> int:
        """All records updated in place."""
        return sum(self.updated.values())

    @property
    def total_collapsed(self) -> int:
        """All lines that repeated a record seen before."""
        return sum(self.duplicates_collapsed.values())


class WorldLoader:
    """Writes the checked chunks of one import, inside its transaction."""

    def __init__(
        self,
        bulk: BulkWriter,
        report: ImportReport,
        *,
        defer_indexes: bool = False,
        delta: bool = False,
    ):
        self.bulk = bulk
        self.report = report
        self.defer_indexes = defer_indexes  # empty tables load without their indexes
        self.delta = delta  # stored records that changed are updated in place
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
        """Note which tables held rows before the import; stored relations without the
        fingerprint of their fact get it."""
        for name in FILES:
            if await self.bulk.has_rows(rows.TABLES[name].name):
                self.filled.add(name)
        if "relations" in self.filled:
            await backfill_fingerprints(self.bulk)

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

    async def write(
        self, name: str, parsed: Parsed, scan: WorldScan, keep: list[bool] | None = None
    ) -> None:
        """Write the rows of one checked chunk but those `keep` leaves out (patents:
        `write_patents`)."""
        if name in ("tax", "financials"):
            await self._need_ids(f[0] for f in parsed.facts)
        given, given_rows = _kept(parsed.facts, keep), _kept(parsed.rows, keep)
        facts, chunk_rows = await self._new_only(name, given, given_rows)
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

    async def write_patents(self, parsed: Parsed, scan: WorldScan, keep: list[bool]) -> None:
        """Write a chunk of patents, read again once their citations are counted (each once)."""
        given, given_rows = _kept(parsed.facts, keep), _kept(parsed.rows, keep)
        facts, chunk_rows = await self._new_only("patents", given, given_rows)
        forward, numbers = self._forward_counts(len(scan.patents)), scan.patents
        if len(facts) < len(given):  # stored ones cited anew are counted again at the end
            fresh = {f[0] for f in facts}
            self.recount.update(f[0] for f in given if f[0] not in fresh and forward[numbers[f[0]]])
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
        """Count again the forward citations of stored patents that new citations point at;
        a world changed in place gets a new revision (caches of world-wide reads drop)."""
        if self.recount:
            await self.bulk.execute_where_in(
                "UPDATE patent SET forward_citations = (SELECT COUNT(*) FROM patent_citation c "
                "WHERE c.cited = patent.number)", "number", sorted(self.recount),
            )  # fmt: skip
        if self.report.total_updated:
            await bump_revision(self.bulk)

    def _after_enterprise(self, facts: list[Facts], chunk_rows: list[Any]) -> list[Any]:
        """Rows of tax or statements after their enterprise id."""
        ids = self.ids
        if self.bulk.postgres:
            return [f"{ids[f[0]]}\t{row}" for f, row in zip(facts, chunk_rows, strict=True)]
        return [(ids[f[0]], *row) for f, row in zip(facts, chunk_rows, strict=True)]

    async def _new_only(
        self, name: str, facts: list[Facts], chunk_rows: list[Any]
    ) -> tuple[list[Facts], list[Any]]:
        """The records whose key is not stored yet (rows encoded for the database); in a delta,
        stored records that changed are updated here."""
        if name not in self.filled:
            return facts, self._encoded(chunk_rows)
        table = rows.TABLES[name]
        keys = [self._natural_key(name, f) for f in facts]
        found = await self.bulk.lookup(table.name, table.key, table.key[0], [k[0] for k in keys])
        stored = {rows.stored_key(row) for row in found}
        keep = [k not in stored for k in keys]
        if self.delta and not all(keep):
            old = [i for i, k in enumerate(keep) if not k]
            await self._update(name, [facts[i] for i in old], [chunk_rows[i] for i in old],
                               [keys[i] for i in old])  # fmt: skip
        new = [f for f, k in zip(facts, keep, strict=True) if k]
        self.report.unchanged[name] += len(facts) - len(new)
        return new, self._encoded([r for r, k in zip(chunk_rows, keep, strict=True) if k])

    def _encoded(self, chunk_rows: list[Any]) -> list[Any]:
        """Rows a delta parsed as tuples, as COPY text lines on PostgreSQL."""
        if self.bulk.postgres and chunk_rows and not isinstance(chunk_rows[0], str):
            return [copy_line(r) for r in chunk_rows]
        return chunk_rows

    async def _update(
        self, name: str, facts: list[Facts], payloads: list[Any], keys: list[tuple[Any, ...]]
    ) -> None:
        """Update stored records that changed; they count as updated, not unchanged."""
        extra = None
        if name == "patents":
            ids = await self._need_ids(f[1] for f in facts if f[1] is not None)
            extra = [{"owner_id": None if f[1] is None else ids[f[1]]} for f in facts]
        changes = await update_changed(self.bulk, name, facts, payloads, keys, extra)
        if not changes.facts:
            return
        self.report.updated[name] += len(changes.facts)
        self.report.unchanged[name] -= len(changes.facts)
        if name == "enterprises":  # changed, not new
            self.report.changed_usccs.update(f[0] for f in changes.facts)
        else:
            self._note_changed(name, changes.facts)
        if name == "patents":  # the former owner loses the patent
            before = [i for i in changes.before if i is not None]
            found = await self.bulk.lookup("enterprise", ("uscc",), "id", before)
            self.report.changed_usccs.update(str(r[0]) for r in found)
        elif name == "litigations":
            await self._relink(changes.facts, changes.ids)

    async def _relink(self, facts: list[Facts], case_ids: list[int]) -> None:
        """Parties and patents of updated cases, written again where they changed."""
        stored = await self.bulk.lookup(
            "litigation_party", ("litigation_id", "enterprise_id", "role"), "litigation_id",
            case_ids,
        )  # fmt: skip
        former = await self.bulk.lookup("enterprise", ("uscc",), "id", [r[1] for r in stored])
        self.report.changed_usccs.update(str(r[0]) for r in former)
        await self.bulk.execute_where_in("DELETE FROM litigation_party", "litigation_id", case_ids)
        await self.bulk.execute_where_in("DELETE FROM litigation_patent", "litigation_id", case_ids)
        await self._parties_and_patents(facts)

    def _natural_key(self, name: str, f: Facts) -> tuple[Any, ...]:
        """A line's natural key in the column order of its table's `key`."""
        if name in ("tax", "financials"):
            return (self.ids[f[0]], f[1])
        if name == "relations":
            return (f[4],)
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
        elif name == "persons":
            return
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


def _kept(items: list[Any], keep: list[bool] | None) -> list[Any]:
    """The items `keep` marks (all when None)."""
    if keep is None:
        return items
    return [item for item, k in zip(items, keep, strict=True) if k]
