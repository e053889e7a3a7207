"""The one table at the end of `make bench`: every figure, its target, ratio and verdict.

    .venv/bin/python bench/summary.py [--expect decision gnn ...] [--dir data/bench-results]

Reads the figures each benchmark left in data/bench-results/<bench>.json (bench/report.py).
A benchmark named in --expect that left no figures failed before it could report and is listed
as FAILED. Exits 1 when a target was missed or an expected benchmark has no figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import number, results_dir  # noqa: E402

HEADER = ("bench", "figure", "value", "target", "ratio", "verdict")


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    bench: str
    figure: str
    value: str
    target: str
    ratio: str
    verdict: str


def _number(value: float, unit: str) -> str:
    return f"{number(value)} {unit}".strip()


def row_of(figure: dict[str, Any]) -> Row:
    """A table row from one figure as bench/report.py writes it."""
    unit = figure.get("unit", "")
    target = figure.get("target")
    ratio = figure.get("ratio")
    met = figure.get("met")
    sign = "<=" if figure.get("better", "lower") == "lower" else ">="
    return Row(
        bench=str(figure["bench"]),
        figure=str(figure["name"]),
        value=_number(float(figure["value"]), unit),
        target="" if target is None else f"{sign} {_number(float(target), unit)}",
        ratio="" if ratio is None else f"{ratio:.2f}x",
        verdict="reported" if met is None else ("met" if met else "MISSED"),
    )


def load_rows(directory: Path, expected: list[str]) -> list[Row]:
    """Every figure of every results file, by bench name; a FAILED row per missing bench."""
    rows: list[Row] = []
    found: set[str] = set()
    for path in sorted(directory.glob("*.json")):
        try:
            figures = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            rows.append(Row(path.stem, f"unreadable results: {exc}", "", "", "", "FAILED"))
            continue
        found.add(path.stem)
        rows.extend(row_of(f) for f in figures)
        if not figures:
            rows.append(Row(path.stem, "no figures", "", "", "", "FAILED"))
    for name in expected:
        if name not in found:
            rows.append(Row(name, "no figures: it failed before reporting", "", "", "", "FAILED"))
    return rows


def render(rows: list[Row]) -> str:
    """The rows as an aligned text table with a header."""
    cells = [HEADER, *((r.bench, r.figure, r.value, r.target, r.ratio, r.verdict) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    right = {2, 3, 4}  # numbers line up on the right

    def fmt(line: tuple[str, ...]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(HEADER), rule, *(fmt(line) for line in cells[1:])])


def failed(rows: list[Row]) -> list[Row]:
    """Rows that make the run fail: a missed target or a benchmark without figures."""
    return [r for r in rows if r.verdict in ("MISSED", "FAILED")]


def main(argv: list[str] | None = None) -> int:
    """Print the table; 1 when anything missed or failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="default: data/bench-results")
    parser.add_argument("--expect", nargs="*", default=[], help="benchmarks that must report")
    args = parser.parse_args(argv)
    rows = load_rows(args.dir or results_dir(), args.expect)
    if not rows:
        print("no benchmark figures found", file=sys.stderr)
        return 1
    print(render(rows))
    bad = failed(rows)
    met = sum(r.verdict == "met" for r in rows)
    print(f"\n{met} target(s) met, {len(bad)} missed or failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
