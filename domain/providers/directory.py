"""A data provider reading a world directory (the format of docs/world.md)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any


class DirectoryProvider:
    """Serves any enterprise of a world directory; indexes the files on first use."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._index: dict[str, dict[str, list[dict[str, Any]]]] | None = None
        self._enterprises: dict[str, dict[str, Any]] = {}

    def _load(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        if self._index is not None:
            return self._index
        index: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))

        def rows(name: str) -> list[dict[str, Any]]:
            path = self.directory / f"{name}.jsonl"
            if not path.exists():
                return []
            with path.open(encoding="utf-8") as fh:
                return [json.loads(line) for line in fh if line.strip()]

        for row in rows("enterprises"):
            self._enterprises[row["uscc"]] = row
            index[row["uscc"]]["enterprises"].append(row)
        patents_by_number: dict[str, dict[str, Any]] = {}
        for row in rows("patents"):
            if row.get("owner"):
                index[row["owner"]]["patents"].append(row)
                patents_by_number[row["number"]] = row
        for row in rows("litigations"):
            for party in row.get("parties") or []:
                index[party["uscc"]]["litigations"].append(row)
        for name in ("tax", "financials", "events", "outcomes"):
            for row in rows(name):
                index[row["uscc"]][name].append(row)
        for row in rows("relations"):
            if row.get("kind") != "officer":
                index[row["from"]]["relations"].append(row)
            index[row["to"]]["relations"].append(row)
        self._persons = {p["id"]: p for p in rows("persons")}
        self._index = index
        return index

    def lookup(self, uscc: str) -> dict[str, Any] | None:
        """The registration record, or None when the enterprise is unknown."""
        self._load()
        return self._enterprises.get(uscc)

    def fetch(self, uscc: str) -> dict[str, list[dict[str, Any]]]:
        """The enterprise's own rows, plus the counterparties its relations and cases name."""
        index = self._load()
        own = index.get(uscc)
        if own is None:
            return {}
        out: dict[str, list[dict[str, Any]]] = {k: list(v) for k, v in own.items()}
        # counterparties must exist for references to resolve
        others: set[str] = set()
        persons: set[str] = set()
        for rel in out.get("relations", []):
            if rel.get("kind") == "officer":
                persons.add(rel["from"])
            else:
                others.add(rel["from"])
            others.add(rel["to"])
        for lit in out.get("litigations", []):
            others.update(p["uscc"] for p in lit.get("parties") or [])
        others.discard(uscc)
        out["enterprises"] = out.get("enterprises", []) + [
            self._enterprises[o] for o in sorted(others) if o in self._enterprises
        ]
        out["persons"] = [self._persons[p] for p in sorted(persons) if p in self._persons]
        # litigation patents may belong to others: keep only references we can resolve
        numbers = {p["number"] for p in out.get("patents", [])}
        out["litigations"] = [
            {**lit, "patents": [n for n in lit.get("patents") or [] if n in numbers]}
            for lit in out.get("litigations", [])
        ]
        return out
