"""Parse a chunk of one world file: the work of a line that needs nothing from other lines.

`parse_chunk` is pure and picklable in and out, so that chunks can be parsed in worker processes
while the importer checks keys and references and writes: it decodes the JSON, checks every
field and builds the row and the facts the importer checks (`rows`). Lines are numbered from 1
within the chunk; the importer adds the lines of the chunks before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from db.bulk import copy_line
from domain.world.parse import PARSERS
from domain.world.rows import BUILDERS, Facts, line_digest
from domain.world.validate import Context, Line, RowError, decode_lines

CHUNK_BYTES = 4 << 20  # of a file, cut at a line end
CHUNK_ROWS = 20_000  # of rows given in memory


@dataclass(frozen=True)
class Chunk:
    """Lines of one file to parse: raw bytes of whole lines, or numbered objects."""

    name: str
    data: bytes | list[Line]
    today: date
    stamp: str  # the import's time, as timestamp columns store it
    text: bool  # rows as COPY text lines (PostgreSQL), else tuples


@dataclass
class Parsed:
    """What a chunk gave: bad lines, and for each good line its facts and its row."""

    lines: int = 0  # lines in the chunk, blank ones included
    count: int = 0  # lines that are not blank
    errors: list[tuple[int, str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # line of each good record
    facts: list[Facts] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)
    digests: list[int] = field(default_factory=list)  # of each good record's content


def parse_chunk(chunk: Chunk) -> Parsed:
    """Parse every line of a chunk (runs in a worker process or a thread)."""
    parse, build = PARSERS[chunk.name], BUILDERS[chunk.name]
    ctx, stamp, out = Context(chunk.today), chunk.stamp, Parsed()
    numbers, facts, rows, digests = out.numbers, out.facts, out.rows, out.digests
    for number, obj in _numbered(chunk, out):
        out.count += 1
        if type(obj) is str:
            out.errors.append((number, obj))
            continue
        try:
            fact, payload = build(parse(obj, ctx), stamp)  # type: ignore[arg-type]
        except RowError as exc:
            out.errors.append((number, str(exc)))
            continue
        numbers.append(number)
        facts.append(fact)
        digests.append(line_digest(fact, payload))
        rows.append(copy_line(payload) if chunk.text else payload)
    return out


def _numbered(chunk: Chunk, out: Parsed) -> Iterator[Line]:
    if not isinstance(chunk.data, bytes):
        out.lines = len(chunk.data)
        yield from chunk.data
        return
    text = chunk.data.decode("utf-8")
    if "\r" in text:  # as a file read in text mode: \r\n and \r end lines too
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    out.lines = len(lines)
    yield from decode_lines(lines)


def file_chunks(path: Path) -> Iterator[bytes]:
    """A file in pieces of about CHUNK_BYTES, each ending at a line end (but maybe the last)."""
    rest = b""
    with path.open("rb") as fh:
        while block := fh.read(CHUNK_BYTES):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
    if rest:
        yield rest


def row_chunks(items: list[dict[str, Any]]) -> Iterator[list[Line]]:
    """In-memory rows in chunks, numbered from 1 within each chunk like the lines of a file."""
    it = iter(items)
    while piece := list(islice(it, CHUNK_ROWS)):
        yield list(enumerate(piece, start=1))
