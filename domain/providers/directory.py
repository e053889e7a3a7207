"""A data provider reading a world directory (the format of docs/world.md).

The files are read once, on first use, into an index by enterprise; reading a large world takes
seconds, so it happens in a worker thread and the event loop goes on serving meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.models.consent import DataSource
from domain.providers.base import Rows
from domain.providers.sources import select_rows

Row = dict[str, Any]


@dataclass
class _Index:
    """Every row of the world, filed under each enterprise it concerns."""

    by_uscc: dict[str, dict[str, list[Row]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    enterprises: dict[str, Row] = field(default_factory=dict)
    persons: dict[str, Row] = field(default_factory=dict)
    patents: dict[str, Row] = field(default_factory=dict)
    citations: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))


class DirectoryProvider:
    """Serves any enterprise of a world directory; indexes the files on first use."""

    name = "directory"

    def __init__(self, directory: Path):
        self.directory = directory
        self._index: _Index | None = None
        self._lock = threading.Lock()

    async def lookup(self, uscc: str) -> dict[str, Any] | None:
        """The registration record, or None when the enterprise is unknown."""
        index = await self._ready()
        return index.enterprises.get(uscc)

    async def fetch(self, uscc: str, sources: Collection[DataSource]) -> Rows:
        """The enterprise's rows from the named sources, with the counterparty records their
        references need; {} for an unknown enterprise."""
        full = self.everything(await self._ready(), uscc)
        return {} if full is None else select_rows(full, sources, uscc=uscc)

    async def source_rows(self, uscc: str, source: DataSource) -> Rows | None:
        """What one source holds about the enterprise, references as recorded (what a data
        platform answers for that source); None when the enterprise is unknown."""
        full = self.everything(await self._ready(), uscc)
        return None if full is None else select_rows(full, (source,), uscc=uscc, resolve=False)

    async def warm(self) -> None:
        """Read and index the directory now, off the event loop."""
        await self._ready()

    def load(self) -> None:
        """Read and index the directory now (blocking; once)."""
        with self._lock:
            if self._index is None:
                self._index = _read(self.directory)

    async def _ready(self) -> _Index:
        if self._index is None:
            await asyncio.to_thread(self.load)
        assert self._index is not None
        return self._index

    @staticmethod
    def everything(index: _Index, uscc: str) -> Rows | None:
        """All rows about the enterprise, of every source, with every record they refer to."""
        own = index.by_uscc.get(uscc)
        if own is None or uscc not in index.enterprises:
            return None
        out: Rows = {k: list(v) for k, v in own.items() if k != "enterprises"}
        citations: dict[int, Row] = {}
        for patent in out.get("patents", []):
            for cit in index.citations.get(patent["number"], []):
                citations[id(cit)] = cit
        if citations:
            out["patent_citations"] = list(citations.values())
        own_numbers = {p["number"] for p in out.get("patents", [])}
        cited = {n for c in citations.values() for n in (c["citing"], c["cited"])}
        out.setdefault("patents", []).extend(
            index.patents[n] for n in sorted(cited - own_numbers) if n in index.patents
        )
        if not out["patents"]:
            del out["patents"]
        others: set[str] = set()
        persons: set[str] = set()
        for rel in out.get("relations", []):
            (persons if rel.get("kind") == "officer" else others).add(rel["from"])
            others.add(rel["to"])
        for lit in out.get("litigations", []):
            others.update(p["uscc"] for p in lit.get("parties") or [])
        others.update(p["owner"] for p in out.get("patents", []) if p.get("owner"))
        others.discard(uscc)
        out["enterprises"] = [index.enterprises[uscc]] + [
            index.enterprises[o] for o in sorted(others) if o in index.enterprises
        ]
        out["persons"] = [index.persons[p] for p in sorted(persons) if p in index.persons]
        return out


def _read(directory: Path) -> _Index:
    """Index the world files of `directory` (a missing file is an empty one)."""

    def rows(name: str) -> list[Row]:
        path = directory / f"{name}.jsonl"
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    index = _Index()
    by = index.by_uscc
    for row in rows("enterprises"):
        index.enterprises[row["uscc"]] = row
        by[row["uscc"]]["enterprises"].append(row)
    for row in rows("patents"):
        index.patents[row["number"]] = row
        if row.get("owner"):
            by[row["owner"]]["patents"].append(row)
    for row in rows("patent_citations"):
        index.citations[row["citing"]].append(row)
        if row["cited"] != row["citing"]:
            index.citations[row["cited"]].append(row)
    for row in rows("litigations"):
        for usc in {party["uscc"] for party in row.get("parties") or []}:
            by[usc]["litigations"].append(row)
    for name in ("tax", "financials", "events", "outcomes"):
        for row in rows(name):
            by[row["uscc"]][name].append(row)
    for row in rows("relations"):
        if row.get("kind") != "officer" and row["from"] != row["to"]:
            by[row["from"]]["relations"].append(row)
        by[row["to"]]["relations"].append(row)
    index.persons = {p["id"]: p for p in rows("persons")}
    return index
