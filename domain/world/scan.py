"""Check what lines say about each other, chunk by chunk, in bounded memory.

Files are checked in the order of `FILES`, and every reference points at a file checked before
it, so one pass settles every line. What is kept between chunks is only what references and
duplicate checks need: the USCCs, person ids and patent numbers seen (each numbered), compact
keys per file (a bit mask of periods per enterprise for tax and financials) and a 64-bit digest
of the content of each key's first record, never the records themselves.

A key seen again with the same digest is the same record twice: the line is collapsed (counted,
not written). With another digest the file contradicts itself: the later line is refused.
Relations and citations are whole facts (a relation is known by the fingerprint of its fact), so
a repeated one is always the same fact.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.world.chunk import Parsed
from domain.world.rows import Facts
from domain.world.validate import FILES, LineError

MAX_REPORTED = 1000  # bad lines kept for the report; the rest are counted
PERIODS_PER_YEAR = 5  # the year and its four quarters
FIRST_YEAR = 1980  # the earliest year of tax and statements

SAME = object()  # what a duplicate check gives for the same record seen again
# None for a new key, SAME for the same record again, else the key as the report shows it
Fresh = Callable[[Facts, int], object]


@dataclass
class KnownKeys:
    """Keys of rows stored before the import that references of the world were found to name
    (looked up chunk by chunk, only when the world itself does not have them)."""

    usccs: set[str] = field(default_factory=set)
    persons: set[str] = field(default_factory=set)
    patents: set[str] = field(default_factory=set)


class WorldChanged(RuntimeError):
    """A file read twice did not say the same the second time."""


class PeriodsSeen:
    """(enterprise, period slot) pairs seen: one bit mask per enterprise of the file, and the
    digest of each pair's record, in slot order."""

    def __init__(self, index: dict[str, int]):
        self.index = index
        self.masks = [0] * len(index)
        self.digests: list[array[int] | None] = [None] * len(index)
        self.other: dict[tuple[str, int], int] = {}  # enterprises only in the database

    def add(self, uscc: str, slot: int, digest: int) -> int | None:
        """Remember the pair and its digest; None when new, else the digest seen before."""
        i = self.index.get(uscc)
        if i is None:
            earlier = self.other.get((uscc, slot))
            if earlier is None:
                self.other[(uscc, slot)] = digest
            return earlier
        bit = 1 << slot
        mask = self.masks[i]
        below = (mask & (bit - 1)).bit_count()
        digests = self.digests[i]
        if mask & bit:
            assert digests is not None
            return digests[below]
        if digests is None:
            digests = self.digests[i] = array("Q")
        digests.insert(below, digest)
        self.masks[i] = mask | bit
        return None


class WorldScan:
    """One checking pass over a world, fed the parsed chunks of each file in order."""

    def __init__(self, known: KnownKeys | None = None):
        self.known = known or KnownKeys()
        self.absent: set[str] = set()  # `kind:key` looked up in the database and not found
        self.usccs: dict[str, int] = {}  # the enterprises of the world, numbered
        self.persons: dict[str, int] = {}  # the persons of the world, with their digests
        self.patents: dict[str, int] = {}  # the patents of the world, numbered
        self.digests: dict[str, array[int]] = {"enterprises": array("Q"), "patents": array("Q")}
        self.errors: list[LineError] = []
        self.error_count = 0
        self.lines: dict[str, int] = dict.fromkeys(FILES, 0)
        self.collapsed: dict[str, int] = dict.fromkeys(FILES, 0)  # exact repeats of a record
        self.again = 0  # patents read a second time, each once
        self._fresh: dict[str, Fresh] = {}

    @property
    def ok(self) -> bool:
        """True while no line was rejected."""
        return self.error_count == 0

    def report_lines(self) -> list[str]:
        """Every kept error as `file:line: reason`, and how many more there were."""
        out = [str(e) for e in self.errors]
        if self.error_count > len(self.errors):
            out.append(f"... and {self.error_count - len(self.errors)} more bad line(s)")
        return out

    def bad(self, filename: str, line: int, reason: str) -> None:
        """Count a bad line; keep it for the report while there are few."""
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(LineError(filename, line, reason))

    def check(self, name: str, parsed: Parsed, offset: int) -> list[bool] | None:
        """Check a parsed chunk whose lines follow `offset` lines of the file, in line order.

        Returns which records to write (a record seen before is collapsed), None for all."""
        filename = f"{name}.jsonl"
        fresh = self._fresh.get(name) or self._fresh.setdefault(name, self._dedup(name))
        refs: Callable[[Facts], list[str]] | None = getattr(self, f"_refs_{name}", None)
        errors = iter(parsed.errors)
        pending = next(errors, None)
        keep: list[bool] | None = None
        for at, (number, fact, digest) in enumerate(
            zip(parsed.numbers, parsed.facts, parsed.digests, strict=True)
        ):
            while pending is not None and pending[0] < number:
                self.bad(filename, offset + pending[0], pending[1])
                pending = next(errors, None)
            shown = fresh(fact, digest)
            if shown is SAME:
                self.collapsed[name] += 1
                if keep is None:
                    keep = [True] * len(parsed.facts)
                keep[at] = False
            elif shown is not None:
                self.bad(filename, offset + number, f"duplicate key {shown} with other content")
            elif refs is not None:
                for reason in refs(fact):
                    self.bad(filename, offset + number, reason)
        while pending is not None:
            self.bad(filename, offset + pending[0], pending[1])
            pending = next(errors, None)
        self.lines[name] += parsed.count
        return keep

    def unresolved(self, name: str, parsed: Parsed) -> dict[str, set[str]]:
        """Keys a chunk refers to that are neither in the world so far nor known to be stored
        or absent: what to look up in the database before `check`."""
        wanted: dict[str, set[str]] = {"usccs": set(), "persons": set(), "patents": set()}
        refer = _REFERS.get(name)
        if refer is None:
            return wanted
        world = {"usccs": self.usccs, "persons": self.persons, "patents": self.patents}
        known = {"usccs": self.known.usccs, "persons": self.known.persons,
                 "patents": self.known.patents}  # fmt: skip
        for fact in parsed.facts:
            for kind, key in refer(fact):
                if key not in world[kind] and key not in known[kind]:
                    if f"{kind}:{key}" not in self.absent:
                        wanted[kind].add(key)
        return wanted

    def end_file(self, name: str) -> None:
        """The duplicate checks of a file are done: forget its keys (those others need stay)."""
        self._fresh.pop(name, None)

    def same_patents(self, parsed: Parsed) -> list[bool]:
        """A second reading of patents.jsonl must give the records of the first, in order;
        which to write (each patent once)."""
        keep = []
        digests = self.digests["patents"]
        for fact, digest in zip(parsed.facts, parsed.digests, strict=True):
            i = self.patents.get(fact[0])
            if parsed.errors or i is None or digests[i] != digest or i > self.again:
                raise WorldChanged("patents.jsonl changed while the world was imported")
            keep.append(i == self.again)
            self.again += i == self.again
        return keep

    # ---- duplicates: each returns a function giving None for a new key, else the key shown --

    def _dedup(self, name: str) -> Fresh:
        if name in ("tax", "financials"):
            return self._period_dedup(name)
        numbered: dict[str, dict[str, int]] = {"enterprises": self.usccs, "patents": self.patents}
        if name in numbered:
            return self._numbered_dedup(numbered[name], self.digests[name])
        if name in ("relations", "patent_citations"):  # whole facts: a repeat is the same fact
            seen: set[Any] = set()
            fact_key: Callable[[Facts], object] = (
                self._citation_key if name == "patent_citations" else _fingerprint
            )

            def same_fact(f: Facts, digest: int) -> object:
                k = fact_key(f)
                if k in seen:
                    return SAME
                seen.add(k)
                return None

            return same_fact
        first: dict[Any, int] = self.persons if name == "persons" else {}
        key, shown = _KEYS[name]

        def fresh(f: Facts, digest: int) -> object:
            k = key(f)
            earlier = first.get(k)
            if earlier is None:
                first[k] = digest
                return None
            return SAME if earlier == digest else shown(f)

        return fresh

    @staticmethod
    def _numbered_dedup(seen: dict[str, int], digests: array[int]) -> Fresh:
        def numbered_fresh(f: Facts, digest: int) -> object:
            i = seen.get(f[0])
            if i is None:
                seen[f[0]] = len(seen)
                digests.append(digest)
                return None
            return SAME if digests[i] == digest else f[0]

        return numbered_fresh

    def _period_dedup(self, name: str) -> Fresh:
        seen = PeriodsSeen(self.usccs)
        slot = _tax_slot if name == "tax" else _financial_slot

        def fresh(f: Facts, digest: int) -> object:
            earlier = seen.add(f[0], slot(f[1]), digest)
            if earlier is None:
                return None
            return SAME if earlier == digest else f

        return fresh

    def _citation_key(self, f: Facts) -> object:
        """Both patents numbered in the world: one int; otherwise the pair as text."""
        citing, cited = self.patents.get(f[0]), self.patents.get(f[1])
        if citing is not None and cited is not None:
            return citing << 32 | cited
        return f"{f[0]}\0{f[1]}"

    # ---- references: each returns the reasons a line's references fail ----------------------

    def is_uscc(self, uscc: str) -> bool:
        """An enterprise of the world or of the database."""
        return uscc in self.usccs or uscc in self.known.usccs

    def is_patent(self, number: str) -> bool:
        """A patent of the world or of the database."""
        return number in self.patents or number in self.known.patents

    def _refs_relations(self, f: Facts) -> list[str]:
        kind, src, dst = f[:3]
        out = []
        if kind == "officer":
            src_ok = src in self.persons or src in self.known.persons
        else:
            src_ok = self.is_uscc(src)
        if not src_ok:
            out.append(f"unknown from {src!r}")
        if not self.is_uscc(dst):
            out.append(f"unknown to {dst!r}")
        return out

    def _refs_patents(self, f: Facts) -> list[str]:
        owner = f[1]
        return [f"unknown owner {owner!r}"] if owner is not None and not self.is_uscc(owner) else []

    def _refs_patent_citations(self, f: Facts) -> list[str]:
        return [f"unknown patent {n!r}" for n in f if not self.is_patent(n)]

    def _refs_litigations(self, f: Facts) -> list[str]:
        out = [f"unknown party {u!r}" for u, _ in f[1] if not self.is_uscc(u)]
        out += [f"unknown patent {n!r}" for n in f[2] if not self.is_patent(n)]
        return out

    def _refs_tax(self, f: Facts) -> list[str]:
        return [] if self.is_uscc(f[0]) else [f"unknown enterprise {f[0]!r}"]

    _refs_financials = _refs_outcomes = _refs_tax

    def _refs_events(self, f: Facts) -> list[str]:
        return [] if self.is_uscc(f[1]) else [f"unknown enterprise {f[1]!r}"]


def _relation_refers(f: Facts) -> list[tuple[str, str]]:
    return [("persons" if f[0] == "officer" else "usccs", f[1]), ("usccs", f[2])]


_REFERS: dict[str, Callable[[Facts], list[tuple[str, str]]]] = {
    "relations": _relation_refers,
    "patents": lambda f: [] if f[1] is None else [("usccs", f[1])],
    "patent_citations": lambda f: [("patents", f[0]), ("patents", f[1])],
    "litigations": lambda f: [("usccs", u) for u, _ in f[1]] + [("patents", n) for n in f[2]],
    "tax": lambda f: [("usccs", f[0])],
    "financials": lambda f: [("usccs", f[0])],
    "events": lambda f: [("usccs", f[1])],
    "outcomes": lambda f: [("usccs", f[0])],
}


def _tax_slot(year: int) -> int:
    return year - FIRST_YEAR


def _financial_slot(period: str) -> int:
    quarter = int(period[5]) if len(period) == 6 else 0
    return (int(period[:4]) - FIRST_YEAR) * PERIODS_PER_YEAR + quarter


def _first(f: Facts) -> object:
    return f[0]


def _fingerprint(f: Facts) -> object:
    return f[4]


_KEYS: dict[str, tuple[Callable[[Facts], object], Callable[[Facts], object]]] = {
    "persons": (_first, _first),
    "litigations": (_first, _first),
    "events": (_first, _first),
    "outcomes": (lambda f: f, lambda f: (f[0], date.fromisoformat(f[1]))),
}
