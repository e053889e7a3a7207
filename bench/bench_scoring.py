"""Benchmark: score one application end to end from frames, in milliseconds (target 200 ms).

Run: .venv/bin/python bench/bench_scoring.py [--enterprises E] [--applications N] [--json].
Generates a world, trains the scorecard and the valuation model on it, then for N applicants
(each pledging up to three of its granted patents) times: indicators as of the decision date,
scorecard, quality features and valuation of the pledged patents, rule facts and rules.
Prints the median per step and the median and 95th percentile in total (--json: also as one
JSON line); exits 1 if the target is missed. This is the scoring path in-process, from frames
held in memory; what an applicant waits for over HTTP is bench/bench_decision.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report  # noqa: E402
from domain.indicators.compute import compute_indicators  # noqa: E402
from domain.indicators.patent_quality import patent_quality  # noqa: E402
from domain.scoring.facts import application_facts  # noqa: E402
from domain.scoring.fit import fit_from_world  # noqa: E402
from domain.scoring.rules import evaluate_rules, load_rules  # noqa: E402
from domain.scoring.service import score_values  # noqa: E402
from domain.valuation.ltv import load_ltv  # noqa: E402
from domain.valuation.service import fit_on_frames  # noqa: E402
from domain.valuation.slice import patent_slice  # noqa: E402
from domain.valuation.value import value_patents  # noqa: E402
from domain.world.frames import frames_from_rows  # noqa: E402
from domain.world.generator import generate_world  # noqa: E402

TARGET_MS = 200.0
AS_OF = datetime(2025, 6, 1, tzinfo=UTC)
STEPS = ("indicators", "scorecard", "valuation", "rules")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()

    frames = frames_from_rows(generate_world(enterprises=args.enterprises, seed=args.seed))
    card, _ = fit_from_world(frames)
    model, _, _ = fit_on_frames(frames, as_of=AS_OF)
    rules, ltv = load_rules(), load_ltv()
    print(f"trained on {len(frames.enterprises)} enterprises", file=sys.stderr)

    granted_by = frames.patents["granted_on"] <= AS_OF.replace(tzinfo=None)
    pats = frames.patents[(frames.patents["status"] == "granted") & granted_by]
    owners = pats.groupby("owner")["number"].apply(lambda s: list(s)[:3])
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(owners.index.to_numpy(), size=min(args.applications, len(owners)))
    timings: dict[str, list[float]] = {s: [] for s in (*STEPS, "total")}
    for uscc in chosen:
        numbers = owners[uscc]
        t0 = time.perf_counter()
        x = compute_indicators(frames, AS_OF, usccs=[uscc])
        t1 = time.perf_counter()
        result = score_values(card, {str(k): float(v) for k, v in x.iloc[0].items()})
        t2 = time.perf_counter()
        quality = patent_quality(patent_slice(frames, numbers), AS_OF)
        quality = quality[quality.index.isin(numbers)]
        values = value_patents(model, quality, ltv=ltv)
        t3 = time.perf_counter()
        facts = application_facts(
            frames, uscc=uscc, patent_numbers=numbers, as_of=AS_OF, quality=quality
        )
        hits = evaluate_rules(facts, rules)
        t4 = time.perf_counter()
        assert result.grade and len(values) == len(numbers) and isinstance(hits, list)
        for step, ms in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            timings[step].append(ms * 1000)
        timings["total"].append((t4 - t0) * 1000)

    report = Report("scoring")
    for step in STEPS:
        report.figure(
            f"{step} median, in-process from frames", statistics.median(timings[step]), "ms"
        )
    total = timings["total"]
    report.figure("one application median, in-process", statistics.median(total), "ms")
    report.figure("one application p95, in-process", _pct(total, 95), "ms", target=TARGET_MS)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
