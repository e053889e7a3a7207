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


GRAPH_BRIEF = ("auc_graph", "auc_tabular", "n_train", "n_test")


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
    """Fit every model the decision uses on the database's world and activate them: the
    valuation model and the scorecard, then the graph model (as `gnn train` does)."""
    from domain.scoring.service import train_models

    data_dir = Path(args.data_dir) if args.data_dir else settings().data_dir
    started = time.perf_counter()

    async def go() -> tuple[list[dict[str, Any]], str | None]:
        from domain.models_governance.training import models_in_service

        before = await models_in_service()
        # a model with a version in service keeps it: the new one awaits a second person
        cards = await train_models(data_dir=data_dir, progress=note, keep_in_service=set(before))
        summary = [
            {"name": c.name, "version": c.version, "metrics": _brief(c.metrics), "path": c.path}
            for c in cards
        ]
        graph, refused = await _train_graph(args, data_dir, activate="gnn" not in before)
        await _govern(summary + graph, before, data_dir, cards)
        return summary + graph, refused

    try:
        summary, refused = run_with_db(go)
    except DomainError as exc:
        return fail(f"error: {exc.message} (the active models are unchanged)")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    for c in summary:
        note(f"{c['name']} {c['version']}: {c['metrics']}")
    note(f"trained in {time.perf_counter() - started:.1f} s")
    if refused is not None:
        return fail(
            f"error: the graph model was not trained ({refused}); the other models are in "
            "service, decisions go on without graph risk until `ipcredit gnn train` succeeds"
        )
    return 0


async def _train_graph(
    args: argparse.Namespace, data_dir: Path, *, activate: bool
) -> tuple[list[dict[str, Any]], str | None]:
    """The graph model's card summary (none with --no-graph) and why it failed (None if not)."""
    from cli.gnn import graph_options, test_window, train_graph_model
    from gnn.errors import GraphRiskError

    if args.no_graph:
        return [], None
    note("training the graph model")
    try:
        card = await train_graph_model(
            options=graph_options(args),
            data_dir=data_dir,
            window=test_window(args),
            activate=activate,
        )
    except GraphRiskError as exc:
        return [], f"{exc.code}: {exc.message}"
    m = card["metrics"]
    return [{"name": "gnn", "version": card["version"], "path": card["path"],
             "metrics": {k: m[k] for k in GRAPH_BRIEF if k in m}}], None  # fmt: skip


async def _govern(
    summary: list[dict[str, Any]], before: dict[str, str], data_dir: Path, cards: list[Any]
) -> None:
    """Record the scorecard's drift reference, then apply the maker-checker rule: a model that
    had a version in service keeps it and gets an activation request for the new one."""
    from cli.governance import operator
    from domain.models_governance.monitoring import capture_scorecard_reference
    from domain.models_governance.training import stage_trained

    for card in cards:
        if await capture_scorecard_reference(card=card, data_dir=data_dir):
            note(f"stored the drift reference of {card.name} {card.version}")
    trained = [(c["name"], c["version"]) for c in summary]
    requests = await stage_trained(
        before=before, trained=trained, principal=await operator(None), data_dir=data_dir
    )
    for r in requests:
        note(f"{r.name} {r.version} awaits approval (request {r.id}); "
             f"{before[r.name]} stays in service: `ipcredit models activate --approve {r.id}`")  # fmt: skip
        for c in summary:
            if c["name"] == r.name:
                c["activation_request"] = r.id


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
    from cli.gnn import training_args

    train = sub.add_parser(
        "train",
        help="fit every model the decision uses on the world: valuation, scorecard, graph model",
    )
    train.add_argument("--data-dir", help="where model files go (default: the data directory)")
    train.add_argument("--json", action="store_true", help="print the model cards as JSON")
    training_args(train, what=" of the graph model")
    train.add_argument(
        "--no-graph", action="store_true", help="leave the graph model as it is (no training)"
    )
    train.set_defaults(func=cmd_train)
