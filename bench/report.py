"""Figures of one benchmark: printed beside their targets, kept for the summary table.

    report = Report("decision")
    report.figure("median", 182.0, "ms", target=300.0)              # lower is better
    report.figure("rows per second", 61_000, "rows/s", target=50_000, better="higher")
    report.figure("1M import", 812.0, "s")                          # reported, no target
    sys.exit(report.finish(json_out=args.json))

`finish` prints one line per figure (value, target, ratio, verdict), writes the figures as JSON
to `$BENCH_RESULTS/<name>.json` (default data/bench-results/) for `bench/summary.py`, prints
them to stdout as one JSON line when asked, and returns 1 when a target was missed.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
Better = Literal["lower", "higher"]


def number(value: float) -> str:
    """A figure for reading: whole above 100, one decimal above 10, three digits below."""
    size = abs(value)
    if size >= 100 or value == 0:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def results_dir() -> Path:
    """Where every benchmark leaves its figures."""
    return Path(os.environ.get("BENCH_RESULTS", ROOT / "data" / "bench-results"))


@dataclass(frozen=True)
class Figure:
    """One measured figure and its target, if it has one."""

    bench: str
    name: str
    value: float
    unit: str
    target: float | None
    better: Better

    @property
    def ratio(self) -> float | None:
        """How far within the target: above 1 is met with room, below 1 is missed."""
        if self.target is None or self.value == 0 or self.target == 0:
            return None
        return self.target / self.value if self.better == "lower" else self.value / self.target

    @property
    def met(self) -> bool | None:
        """None when there is no target."""
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def line(self) -> str:
        """`name  value unit  (target < x, ratio r, met)` for humans."""
        value = f"{number(self.value)} {self.unit}"
        if self.target is None:
            return f"{self.name:<44} {value:>18}   (reported)"
        sign = "<=" if self.better == "lower" else ">="
        verdict = "met" if self.met else "MISSED"
        ratio = self.ratio
        ratio_text = "-" if ratio is None else f"{ratio:.2f}x"
        target = f"{sign} {number(self.target)} {self.unit}"
        return f"{self.name:<44} {value:>18}   target {target:<20} {ratio_text:>7}  {verdict}"


class Report:
    """The figures of one benchmark run."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.figures: list[Figure] = []

    def figure(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        target: float | None = None,
        better: Better = "lower",
    ) -> Figure:
        """Record (and print to stderr) one figure."""
        fig = Figure(self.bench, name, float(value), unit, target, better)
        self.figures.append(fig)
        print(f"  {fig.line()}", file=sys.stderr, flush=True)
        return fig

    @property
    def missed(self) -> list[Figure]:
        """Figures whose target was missed."""
        return [f for f in self.figures if f.met is False]

    def finish(self, *, json_out: bool = False) -> int:
        """Print the figures, keep them for the summary; 1 when a target was missed."""
        print(f"== {self.bench}", flush=True)
        for fig in self.figures:
            print(f"  {fig.line()}", flush=True)
        out = results_dir()
        out.mkdir(parents=True, exist_ok=True)
        rows = [asdict(f) | {"ratio": f.ratio, "met": f.met} for f in self.figures]
        (out / f"{self.bench}.json").write_text(json.dumps(rows, indent=1))
        if json_out:
            print(json.dumps({"bench": self.bench, "figures": rows}))
        if self.missed:
            names = ", ".join(f.name for f in self.missed)
            print(f"  {self.bench}: missed {len(self.missed)} target(s): {names}", flush=True)
            return 1
        return 0
