"""Columnar world tables and their deterministic JSON Lines encoding.

The generator builds each world file as a `Table` of numpy columns. A table either becomes rows
(dicts, for small in-process worlds) or is encoded straight to JSON Lines, column by column, which
keeps 100 000-enterprise worlds fast. Both paths give byte-identical lines: keys in the table's
fixed order, compact separators, no ASCII escaping, floats as Python's shortest repr.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

WorldRows = dict[str, list[dict[str, Any]]]

ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]

CHUNK = 50_000


@dataclass(frozen=True)
class Col:
    """One column: `kind` says how `data` is stored and encoded.

    cat: int codes into `labels` (-1 is null); str: object array of str or None; int: integers;
    float: floats rounded to cents by the encoder, NaN is null; bool; date: datetime64[D], NaT is
    null; ts: datetime64[s] written as UTC with offset; json: a sequence of JSON-able objects.
    """

    name: str
    kind: str
    data: Any
    labels: Sequence[str] | None = None


@dataclass(frozen=True)
class Table:
    """A world file as columns of equal length, in the file's fixed key order."""

    columns: tuple[Col, ...]

    def __len__(self) -> int:
        return len(self.columns[0].data) if self.columns else 0

    def take(self, index: npt.NDArray[np.int64]) -> Table:
        """The rows at `index`, in that order."""
        cols = []
        for c in self.columns:
            if c.kind == "json":
                data: Any = [c.data[i] for i in index.tolist()]
            elif c.kind == "str":
                data = np.asarray(c.data, dtype=object)[index]
            else:
                data = np.asarray(c.data)[index]
            cols.append(Col(c.name, c.kind, data, c.labels))
        return Table(tuple(cols))


def table(*columns: Col) -> Table:
    """Build a table, checking that every column has the same length."""
    lengths = {len(c.data) for c in columns}
    if len(lengths) > 1:
        raise ValueError(f"columns of unequal length: {[(c.name, len(c.data)) for c in columns]}")
    return Table(tuple(columns))


def _cents(data: Any) -> list[float]:
    """Floats rounded to cents; adding 0.0 turns -0.0 into 0.0."""
    return list((np.round(np.asarray(data, dtype=np.float64), 2) + 0.0).tolist())


def _label_tokens(col: Col) -> npt.NDArray[np.object_]:
    """JSON text of each label of a `cat` column, with `null` last (for code -1)."""
    return np.array([_encode_str(s) for s in (col.labels or [])] + ["null"], dtype=object)


def _tokens(col: Col, lo: int, hi: int, labels: Any = None) -> list[str]:
    """JSON text of each value of `col` in rows [lo, hi)."""
    data = col.data[lo:hi]
    kind = col.kind
    if kind == "cat":
        if labels is None:
            labels = _label_tokens(col)
        codes = np.asarray(data, dtype=np.int64)
        return list(labels[np.where(codes < 0, len(labels) - 1, codes)])
    if kind == "str":
        return ["null" if s is None else _encode_str(s) for s in data]
    if kind == "int":
        return list(map(str, np.asarray(data, dtype=np.int64).tolist()))
    if kind == "float":
        vals = _cents(data)
        out = list(map(float.__repr__, vals))
        for i in np.flatnonzero(np.isnan(np.asarray(vals, dtype=np.float64))).tolist():
            out[i] = "null"
        return out
    if kind == "bool":
        return ["true" if b else "false" for b in np.asarray(data, dtype=bool).tolist()]
    if kind == "date":
        text = np.datetime_as_string(np.asarray(data, dtype="datetime64[D]"))
        return ["null" if s == "NaT" else f'"{s}"' for s in text.tolist()]
    if kind == "ts":
        text = np.datetime_as_string(np.asarray(data, dtype="datetime64[s]"))
        return ["null" if s == "NaT" else f'"{s}+00:00"' for s in text.tolist()]
    if kind == "json":
        return [ENCODER.encode(v) for v in data]
    raise ValueError(f"unknown column kind {kind!r}")


def encode_lines(tab: Table, chunk: int = CHUNK) -> Iterator[str]:
    """The table as JSON Lines text, one chunk of lines (each ending in a newline) at a time."""
    keys = [_encode_str(c.name).replace("%", "%%") + ":%s" for c in tab.columns]
    template = "{" + ",".join(keys) + "}\n"
    n = len(tab)
    labels = [_label_tokens(c) if c.kind == "cat" else None for c in tab.columns]
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        parts = [_tokens(c, lo, hi, lab) for c, lab in zip(tab.columns, labels, strict=True)]
        yield "".join([template % row for row in zip(*parts, strict=True)])


def _values(col: Col) -> list[Any]:
    """The column as Python values, as `json.loads` would return them."""
    kind = col.kind
    if kind == "cat":
        labels = list(col.labels or [])
        return [labels[c] if c >= 0 else None for c in np.asarray(col.data).tolist()]
    if kind == "str":
        return list(col.data)
    if kind == "int":
        return list(np.asarray(col.data, dtype=np.int64).tolist())
    if kind == "float":
        return [None if v != v else v for v in _cents(col.data)]
    if kind == "bool":
        return list(np.asarray(col.data, dtype=bool).tolist())
    if kind in ("date", "ts"):
        return [json.loads(t) for t in _tokens(col, 0, len(col.data))]
    if kind == "json":
        return list(col.data)
    raise ValueError(f"unknown column kind {kind!r}")


def table_rows(tab: Table) -> list[dict[str, Any]]:
    """The table as row dicts with keys in the file's order."""
    names = [c.name for c in tab.columns]
    columns = [_values(c) for c in tab.columns]
    return [dict(zip(names, vals, strict=True)) for vals in zip(*columns, strict=True)]


def write_rows(rows: WorldRows, out_dir: Path) -> dict[str, int]:
    """Write world rows as `<name>.jsonl` files, one compact JSON object per line."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, items in rows.items():
        with (out_dir / f"{name}.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for lo in range(0, len(items), CHUNK):
                fh.write("".join(ENCODER.encode(r) + "\n" for r in items[lo : lo + CHUNK]))
        counts[name] = len(items)
    return counts
