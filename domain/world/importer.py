"""Import a world, all or nothing: one checking pass streams the files into the database.

Each file is cut into chunks (a few MB of whole lines). Chunks are parsed in worker processes
(`chunk.parse_chunk`: JSON, every field, the row to store) while this process checks what lines
say about each other (`scan`: duplicates, references) and writes each checked chunk through the
bulk path (`load`, `db.bulk`) inside one transaction. Every reference points at a file checked
before it, so one pass settles every line. The first bad line stops the writing; the pass goes on
to report every bad line as `file:line: reason`, and the transaction is rolled back: nothing is
written. Patents are checked in their turn and written after their citations, read a second
time, with their forward citation counts. Memory holds a few chunks and the keys references
need, whatever the size of the world.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from db.bulk import BulkWriter
from domain.errors import InvalidInput
from domain.world.chunk import Chunk, Parsed, file_chunks, parse_chunk, row_chunks
from domain.world.load import ImportReport, WorldLoader
from domain.world.scan import WorldChanged, WorldScan
from domain.world.validate import FILES, Line

LARGE_BYTES = 32 << 20  # smaller worlds are parsed in a thread and keep their indexes
WORKERS = max(1, min(os.cpu_count() or 1, 4))
QUEUED = 6  # chunks checked and waiting for the database, at most

Source = Callable[[], Iterable[bytes | list[Line]]]

__all__ = ["FileProgress", "ImportReport", "WorldChanged", "WorldInvalid", "import_chunks",
           "import_world_dir", "import_world_rows"]  # fmt: skip


@dataclass(frozen=True)
class FileProgress:
    """Where an import stands with one file: lines read and records added so far.

    `checked` marks the end of the first reading of patents.jsonl, which writes nothing (the
    patents are written after their citations).
    """

    file: str
    rows: int
    added: int
    seconds: float
    done: bool
    checked: bool = False
    updated: int = 0  # stored records changed in place (a delta)


Progress = Callable[[FileProgress], None]


class WorldInvalid(InvalidInput):
    """The world has bad lines; nothing was written."""

    def __init__(self, errors: list[str], count: int | None = None):
        count = len(errors) if count is None else count
        super().__init__(f"{count} bad line(s); nothing was imported")
        self.lines = errors
        self.count = count


async def import_world_dir(
    directory: Path,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    delta: bool = False,
) -> ImportReport:
    """Validate and import a world directory; raises WorldInvalid listing the bad lines.

    A large world is parsed by `workers` processes (default: one per core) and loads its empty
    tables without their indexes, built again once each table is loaded (PostgreSQL). Workers
    are spawned: a script that imports a large world keeps its work under
    `if __name__ == "__main__":`, as Python's multiprocessing asks.

    A `delta` (a daily feed) also updates in place the stored records it changes, and may
    leave out any file, enterprises.jsonl included: its references may name stored rows.
    """
    if not delta and not (directory / "enterprises.jsonl").exists():
        raise WorldInvalid(["enterprises.jsonl:0: missing: a world needs it"])
    paths = {n: directory / f"{n}.jsonl" for n in FILES if (directory / f"{n}.jsonl").exists()}
    large = sum(p.stat().st_size for p in paths.values()) >= LARGE_BYTES
    if workers is None:
        workers = WORKERS if large and WORKERS > 1 else 0
    sources: dict[str, Source] = {n: partial(file_chunks, p) for n, p in paths.items()}
    return await import_chunks(
        sources, progress=progress, workers=workers, large=large and not delta, delta=delta
    )


async def import_world_rows(
    rows: dict[str, list[dict[str, Any]]],
    *,
    progress: Progress | None = None,
    delta: bool = False,
) -> ImportReport:
    """Validate and import in-memory world rows (as in the JSON Lines files); a `delta`
    updates in place the stored records whose content changed."""
    sources: dict[str, Source] = {
        n: partial(row_chunks, items) for n, items in rows.items() if n in FILES
    }
    return await import_chunks(sources, progress=progress, workers=0, delta=delta)


async def import_chunks(
    sources: dict[str, Source],
    *,
    progress: Progress | None = None,
    workers: int = 0,
    large: bool = False,
    delta: bool = False,
) -> ImportReport:
    """Validate and write the chunks of each file, in one transaction (`large`: empty tables
    load without their indexes; `delta`: stored records that changed are updated)."""
    started = time.perf_counter()
    report = ImportReport()
    with _executor(workers) as executor:
        async with in_transaction() as conn:
            bulk = BulkWriter(conn)
            async with bulk.tuned():
                loader = WorldLoader(bulk, report, defer_indexes=large, delta=delta)
                await loader.prepare()
                scan = WorldScan()
                now = datetime.now(UTC)
                # a delta compares rows with stored ones: parsed as values, encoded to write
                text = bulk.postgres and not delta
                template = Chunk("", b"", now.date(), now.isoformat(" "), text)
                run = _Run(scan, loader, executor, sources, template, progress, started)
                run.depth = max(2, 2 * workers)
                try:
                    await run.all_files()
                finally:
                    await loader.settle()
                report.rows.update(scan.lines)
                report.duplicates_collapsed.update(scan.collapsed)
                if not scan.ok:
                    raise WorldInvalid(scan.report_lines(), scan.error_count)
                await loader.finish()
    report.seconds = time.perf_counter() - started
    return report


def _executor(workers: int) -> Executor:
    if workers <= 0:
        return ThreadPoolExecutor(1, thread_name_prefix="world-parse")
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


# What a world's import does, in order: patents are checked in their turn and written after
# their citations, once the citations are counted.
PLAN: tuple[tuple[str, str], ...] = tuple(
    step
    for name in FILES
    for step in (
        ((name, "check"),) if name == "patents"
        else ((name, "write"), ("patents", "again")) if name == "patent_citations"
        else ((name, "write"),)
    )
)  # fmt: skip


class _Run:
    """The steps of one import: chunks parse ahead in workers, in order they are checked and
    their rows queued for writing, while the database loads the previous ones."""

    def __init__(
        self,
        scan: WorldScan,
        loader: WorldLoader,
        executor: Executor,
        sources: dict[str, Source],
        template: Chunk,
        progress: Progress | None,
        started: float,
    ):
        self.scan, self.loader, self.executor = scan, loader, executor
        self.sources, self.template = sources, template
        self.progress, self.started = progress, started
        self.depth = 2  # chunks parsing at once

    async def all_files(self) -> None:
        """Every step in order; returns once the database has everything."""
        scan, loader = self.scan, self.loader
        async for name, mode, parsed, offset in self._steps():
            if parsed is None:
                await self._end(name, mode)
                continue
            if offset == 0 and mode != "check" and scan.ok:
                loader.later(partial(loader.begin_file, name))
            if mode == "again":
                if not scan.ok:  # parsed ahead before a bad line was found: nothing to write
                    continue
                once = scan.same_patents(parsed)
                loader.later(partial(loader.write_patents, parsed, scan, once))
            else:
                if loader.may_refer_to_stored:
                    wanted = scan.unresolved(name, parsed)
                    if any(wanted.values()):
                        scan.absent |= await loader.resolve(wanted, scan.known)
                keep = scan.check(name, parsed, offset)
                if mode == "write" and scan.ok:
                    loader.later(partial(loader.write, name, parsed, scan, keep))
            await loader.catch_up(behind=QUEUED)
            self._tell(name, offset + parsed.lines, done=False)
        await loader.catch_up()

    async def _end(self, name: str, mode: str) -> None:
        """A file is through: its keys are dropped, its indexes built again in the background,
        and its end told once the database has its rows."""
        scan, loader = self.scan, self.loader
        if mode == "again":
            if not scan.ok:
                return
            if scan.again != len(scan.patents):
                raise WorldChanged("patents.jsonl changed while the world was imported")
        else:
            scan.end_file(name)
        if mode != "check" and scan.ok:
            loader.later(partial(loader.end_file, name))

        async def told() -> None:
            self._tell(name, scan.lines[name], done=True, checked=mode == "check")

        loader.later(told)

    def _pieces(self) -> Iterator[tuple[str, str, bytes | list[Line] | None]]:
        """(file, step, data) for every chunk of the plan, (file, step, None) at each end."""
        for name, mode in PLAN:
            if name not in self.sources or (mode == "again" and not self.scan.ok):
                continue
            for data in self.sources[name]():
                yield name, mode, data
            yield name, mode, None

    async def _steps(self) -> AsyncIterator[tuple[str, str, Parsed | None, int]]:
        """Parsed chunks in order with the lines of the file before each, None at a file's end;
        `depth` chunks are parsing ahead meanwhile, across file ends too."""
        loop = asyncio.get_running_loop()
        pieces = self._pieces()
        running: deque[tuple[str, str, asyncio.Future[Parsed] | None]] = deque()
        parsing = 0

        def fill() -> None:
            nonlocal parsing
            while parsing < self.depth and (piece := next(pieces, None)) is not None:
                name, mode, data = piece
                job = None
                if data is not None:
                    job = loop.run_in_executor(
                        self.executor, parse_chunk, replace(self.template, name=name, data=data)
                    )
                    parsing += 1
                running.append((name, mode, job))

        fill()
        offset = 0
        while running:
            name, mode, job = running.popleft()
            if job is None:
                yield name, mode, None, offset
                offset = 0
                continue
            parsed = await job
            parsing -= 1
            fill()
            yield name, mode, parsed, offset
            offset += parsed.lines

    def _tell(self, name: str, rows: int, *, done: bool, checked: bool = False) -> None:
        if self.progress is not None:
            report = self.loader.report
            added, updated = report.added[name], report.updated[name]
            seconds = time.perf_counter() - self.started
            self.progress(
                FileProgress(f"{name}.jsonl", rows, added, seconds, done, checked, updated)
            )
