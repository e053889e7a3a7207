"""Benchmark: does the valuation model rank unpriced patents by their true value better than a
plain gradient-boosted model trained on the priced ones?

Run: .venv/bin/python bench/bench_valuation_quality.py [--enterprises E] [--train-seeds S ...]
[--train-contagion C] [--test SEED:CONTAGION ...] [--boot B] [--json].

The model in service is fitted on a generated world (the service's own fit, with its hold-out
split). The baselines are scikit-learn's HistGradientBoostingRegressor with its default
settings on ln(price), fitted on exactly the same priced patents: `plain_gbm` on every numeric
quality column with kind and IPC section, `plain_gbm_our_inputs` on the valuation model's own
raw inputs. All value every patent of other worlds, generated with other seeds and contagion
settings, and are scored by Spearman rank correlation with each patent's true value among the
unpriced invention patents. The true value is the generator's
latent value before deal noise and fire-sale discount (docs/world.md); it is never written
to a world file, so it is rebuilt here from the generator's own arrays, and checked: on the
test worlds' priced patents not sold in distress, ln(price) minus it must look like the
generator's deal noise (mean near 0, spread near 0.55), else the bench stops.

Prints the figures per (training world, test world) pair, their means, and paired bootstrap
intervals (95 %, patents resampled within each test world) of the mean difference of ours
against each baseline; exits 1 if ours has the lower mean against either.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.frames import WorldFrames  # noqa: E402
from domain.valuation.ensemble import INPUTS  # noqa: E402
from domain.valuation.model import (  # noqa: E402
    CATEGORICAL,
    design_matrix,
    numeric_features,
    priced,
    split_priced,
)
from domain.valuation.service import fit_on_frames, prices_of, quality_of  # noqa: E402
from domain.world.frames import frames_from_rows  # noqa: E402
from domain.world.generator import patent_status as ps  # noqa: E402
from domain.world.generator import pipeline  # noqa: E402
from domain.world.generator.reference import INDUSTRIES  # noqa: E402

END = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_TESTS = ("2:0.0", "3:0.0", "4:2.5", "5:2.5")
NOISE_TOLERANCE = (0.08, 0.08)  # |mean| and |std - PRICE_NOISE| of ln(price) - truth


@dataclass
class World:
    """A generated world's frames and the true ln(value) of each patent (by number)."""

    frames: WorldFrames
    truth: pd.Series
    fire_sale: pd.Series


def true_log_value(ctx: Any, firms: Any, pats: Any) -> np.ndarray:
    """The generator's latent ln(value) of each patent, without deal noise or fire sale."""
    h, m = ctx.horizon, len(pats)
    fwd = np.bincount(pats.cited, minlength=m)
    term = np.where(pats.kind == 0, 20, 10) * ps.YEAR
    remaining = np.clip((pats.expiry - h) / term, 0, 1)
    ind_value = np.array([ps.INDUSTRY_VALUE.get(i.code, 0.0) for i in INDUSTRIES] + [0.0, 0.0])
    return np.asarray(
        10.4 + ps.KIND_VALUE[pats.kind] + 0.35 * np.log(pats.claims)
        + 0.2 * np.log(pats.independent) + 0.3 * np.log1p(fwd) + 0.35 * np.log(pats.family)
        + 0.9 * remaining + 0.15 * np.log1p(pats.licenses)
        + ind_value[firms.industry[pats.applicant]] + 0.3 * pats.quality
    )  # fmt: skip


def generate(enterprises: int, seed: int, contagion: float) -> World:
    """A world and its patents' true values (read from the generator as it runs)."""
    seen: dict[str, Any] = {}
    original = pipeline.finish_patents

    def spy(ctx: Any, firms: Any, pats: Any) -> None:
        original(ctx, firms, pats)
        seen.update(ctx=ctx, firms=firms, pats=pats)

    with mock.patch.object(pipeline, "finish_patents", spy):
        rows = pipeline.generate_world(enterprises=enterprises, seed=seed, contagion=contagion)
    pats = seen["pats"]
    truth = pd.Series(true_log_value(seen["ctx"], seen["firms"], pats), index=pats.number)
    fire = pd.Series(pats.fire_sale & (pats.sold < seen["ctx"].horizon), index=pats.number)
    return World(frames_from_rows(rows), truth, fire)


def check_truth(world: World) -> tuple[float, float]:
    """Mean and spread of ln(price) - truth on priced patents not sold in distress."""
    prices = prices_of(world.frames)
    keep = prices.index[~world.fire_sale.reindex(prices.index).fillna(False).to_numpy(bool)]
    resid = np.log(prices[keep].to_numpy(float)) - world.truth[keep].to_numpy(float)
    mean, std = float(resid.mean()), float(resid.std())
    if abs(mean) > NOISE_TOLERANCE[0] or abs(std - ps.PRICE_NOISE) > NOISE_TOLERANCE[1]:
        raise SystemExit(
            f"the rebuilt true value does not match the generator (residual mean {mean:.3f}, "
            f"spread {std:.3f}, deal noise {ps.PRICE_NOISE}): update true_log_value"
        )
    return mean, std


def plain_gbm(quality: pd.DataFrame, prices: pd.Series, *, ours: bool, seed: int = 0) -> Any:
    """A baseline: default HistGradientBoostingRegressor on ln(price), on the same priced rows as
    the model in service; inputs: every numeric quality column (ours=False) or the valuation
    model's own raw inputs (ours=True), each with kind and IPC section."""
    data = priced(quality, prices)
    tr, _ = split_priced(data, seed=seed)
    features = list(INPUTS) if ours else [f for f in numeric_features(quality) if f != "price"]
    x = design_matrix(data, features)
    mask = np.zeros(x.shape[1], dtype=bool)
    mask[-len(CATEGORICAL) :] = True
    est = HistGradientBoostingRegressor(categorical_features=mask, random_state=seed)
    est.fit(x[tr], np.log(data["price"].to_numpy(float))[tr])
    return lambda q: est.predict(design_matrix(q, features))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def boot_differences(
    truth: np.ndarray, ours: np.ndarray, base: np.ndarray, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Spearman(ours) - Spearman(base) on `draws` resamples of the patents."""
    n = truth.size
    out = np.empty(draws)
    for b in range(draws):
        idx = rng.integers(0, n, n)
        out[b] = spearman(ours[idx], truth[idx]) - spearman(base[idx], truth[idx])
    return out


MODELS = ("ours", "plain_gbm", "plain_gbm_our_inputs")


def fit_all(train: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model in service (the service's own fit) and both baselines, as ln(value) functions."""
    model, metrics, _ = fit_on_frames(train.frames, as_of=END)
    quality, prices = quality_of(train.frames, END), prices_of(train.frames)
    return {
        "ours": lambda q: np.log(model.estimate(q)[0]),
        "plain_gbm": plain_gbm(quality, prices, ours=False),
        "plain_gbm_our_inputs": plain_gbm(quality, prices, ours=True),
    }, metrics


def score_world(
    models: dict[str, Any], world: World, draws: int, rng: np.random.Generator
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Spearman of each model with the truth on the world's unpriced invention patents, and
    bootstrap differences of ours against each baseline."""
    quality = quality_of(world.frames, END)
    unpriced = ~quality.index.isin(prices_of(world.frames).index)
    target = quality[unpriced & (quality["kind"] == "invention").to_numpy()]
    truth = world.truth.reindex(target.index).to_numpy(float)
    preds = {name: np.asarray(f(target), dtype=float) for name, f in models.items()}
    row: dict[str, Any] = {"patents": len(target)}
    row.update({name: spearman(p, truth) for name, p in preds.items()})
    boots = {
        name: boot_differences(truth, preds["ours"], preds[name], draws, rng) for name in MODELS[1:]
    }
    return row, boots


def main() -> int:
    """Run the comparison and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--train-seeds", type=int, nargs="+", default=[1, 6])
    parser.add_argument("--train-contagion", type=float, default=1.0)
    parser.add_argument("--test", nargs="+", default=list(DEFAULT_TESTS), help="SEED:CONTAGION")
    parser.add_argument("--boot", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    tests = [(spec, generate(args.enterprises, int(spec.split(":")[0]),
                             float(spec.split(":")[1]))) for spec in args.test]  # fmt: skip
    for _, world in tests:
        check_truth(world)
    rows: list[dict[str, Any]] = []
    boots = {name: np.zeros(args.boot) for name in MODELS[1:]}
    for train_seed in args.train_seeds:
        models, metrics = fit_all(generate(args.enterprises, train_seed, args.train_contagion))
        for spec, world in tests:
            row, b = score_world(models, world, args.boot, rng)
            row["train"], row["test"] = f"{train_seed}:{args.train_contagion}", spec
            rows.append(row)
            for name in boots:
                boots[name] += b[name] / (len(args.train_seeds) * len(tests))
            print(f"train {row['train']} ({metrics['n_train']} priced) -> test {spec} "
                  f"({row['patents']} unpriced inventions): "
                  + ", ".join(f"{m} {row[m]:.3f}" for m in MODELS))  # fmt: skip
    return verdict(rows, boots, args.json, time.perf_counter() - started)


def verdict(rows: list[dict[str, Any]], boots: dict[str, np.ndarray], as_json: bool,
            seconds: float) -> int:  # fmt: skip
    """Print the means and intervals; 0 when ours has the higher mean against every baseline."""
    means = {m: float(np.mean([r[m] for r in rows])) for m in MODELS}
    out: dict[str, Any] = {"pairs": rows, "mean": means, "against": {}}
    wins = True
    for name, b in boots.items():
        lo, hi = (float(v) for v in np.quantile(b, [0.025, 0.975]))
        diff = means["ours"] - means[name]
        wins &= diff > 0
        word = "wins beyond noise" if lo > 0 else "wins" if diff > 0 else "LOSES"
        out["against"][name] = {"difference": diff, "interval": [lo, hi], "verdict": word}
        print(f"ours {means['ours']:.3f} vs {name} {means[name]:.3f}: {diff:+.3f} "
              f"(95 % paired bootstrap {lo:+.3f} .. {hi:+.3f}): {word}")  # fmt: skip
    worst = min(r["ours"] - max(r[m] for m in MODELS[1:]) for r in rows)
    print(f"smallest margin over the better baseline in any pair: {worst:+.3f} [{seconds:.0f} s]")
    if as_json:
        print(json.dumps(out))
    return 0 if wins else 1


if __name__ == "__main__":
    sys.exit(main())
