"""`ipcredit scorecard fit` on a bank's CSV, and `ipcredit train` on the database's world."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from cli.common import Subparsers, fail, note, run_with_db
from config import settings
from domain.errors import DomainError


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    keys = ("auc", "ks", "gini", "brier", "n_train", "n_test", "bad_rate_train",
            "bad_rate_test", "split", "version", "features", "rejected", "calibration")  # fmt: skip
    return {k: metrics[k] for k in keys if k in metrics}


def _brief(metrics: dict[str, Any]) -> dict[str, Any]:
    keys = ("auc", "ks", "gini", "n_train", "n_test", "split", "spearman", "mdape",
            "baseline_spearman", "baseline_mdape", "interval_coverage")  # fmt: skip
    return {k: metrics[k] for k in keys if k in metrics}


def cmd_scorecard_fit(args: argparse.Namespace) -> int:
    """Fit a scorecard on a CSV table; print one JSON object with the held-out metrics."""
    from domain.scoring.fit import fit_from_csv

    started = time.perf_counter()
    note(f"fitting a scorecard on {args.csv} (label {args.label} = {args.bad})")
    try:
        card, metrics = fit_from_csv(
            Path(args.csv), label=args.label, bad=args.bad, test_share=args.test_share,
            seed=args.seed,
        )  # fmt: skip
    except DomainError as exc:
        return fail(f"error: {exc.message}")
    result = _headline(metrics)
    if args.out:
        # written only after a successful fit, atomically: never a half-trained file
        card.save(Path(args.out))
        result["model_path"] = str(args.out)
    print(json.dumps(result, ensure_ascii=False))
    took = time.perf_counter() - started
    print(
        f"scorecard {card.version}: {len(card.features)} features, AUC {metrics['auc']:.3f}, "
        f"KS {metrics['ks']:.3f} on {metrics['n_test']} held-out rows in {took:.1f} s",
        file=sys.stderr,
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Fit the valuation model and the scorecard on the database's world and activate them."""
    from domain.scoring.service import train_models

    data_dir = Path(args.data_dir) if args.data_dir else settings().data_dir
    started = time.perf_counter()
    try:
        cards = run_with_db(lambda: train_models(data_dir=data_dir, progress=note))
    except DomainError as exc:
        return fail(f"error: {exc.message} (the active models are unchanged)")
    summary = [
        {"name": c.name, "version": c.version, "metrics": _brief(c.metrics), "path": c.path}
        for c in cards
    ]
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    for c in summary:
        note(f"{c['name']} {c['version']}: {c['metrics']}")
    note(f"trained in {time.perf_counter() - started:.1f} s")
    return 0


def register_scorecard(sub: Subparsers) -> None:
    """Add the `scorecard` group."""
    group = sub.add_parser("scorecard", help="credit scorecard tools")
    group_sub = group.add_subparsers(dest="scorecard_command", required=True, metavar="ACTION")
    fit = group_sub.add_parser(
        "fit", help="train a WoE + logistic scorecard on a historical table (CSV)"
    )
    fit.add_argument("--csv", required=True, help="table with one row per past loan")
    fit.add_argument("--label", required=True, help="the outcome column")
    fit.add_argument("--bad", required=True, help="the outcome value that means default")
    fit.add_argument("--test-share", type=float, default=0.3, help="held-out share (default 0.3)")
    fit.add_argument("--seed", type=int, default=0, help="random seed of the split")
    fit.add_argument("--out", help="write the fitted model (JSON) to this path")
    fit.add_argument("--json", action="store_true", help="(the result is always JSON on stdout)")
    fit.set_defaults(func=cmd_scorecard_fit)


def register_train(sub: Subparsers) -> None:
    """Add the top-level `train` command."""
    train = sub.add_parser("train", help="fit the valuation model and the scorecard on the world")
    train.add_argument("--data-dir", help="where model files go (default: the data directory)")
    train.add_argument("--json", action="store_true", help="print the model cards as JSON")
    train.set_defaults(func=cmd_train)
