"""`ipcredit gnn evaluate | train | score | contagion | explain`: the graph risk model."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import Subparsers, fail, note, run_with_db
from gnn.errors import GraphRiskError

# the graph model's card name (gnn.registry.MODEL_NAME, not imported: it brings torch)
MODEL_NAME = "gnn"

if TYPE_CHECKING:
    from db.frames import WorldFrames
    from gnn.train import TrainOptions


def graph_options(args: argparse.Namespace) -> TrainOptions:
    """Training options from the command line (`training_args`)."""
    from gnn.train import TrainOptions

    return TrainOptions(epochs=args.epochs, seed=args.seed)


def test_window(args: argparse.Namespace) -> dict[str, Any]:
    """`--test-from` / `--test-to` as timestamps (None when not given)."""
    import pandas as pd

    out: dict[str, Any] = {}
    for name in ("test_from", "test_to"):
        value = getattr(args, name, None)
        out[name] = pd.Timestamp(value) if value else None
    return out


def _date(value: str) -> str:
    import pandas as pd

    try:
        pd.Timestamp(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from exc
    return value


def _world(args: argparse.Namespace) -> WorldFrames | None:
    from domain.world.frames import frames_from_dir

    directory = Path(args.world)
    if not directory.is_dir() or not (directory / "enterprises.jsonl").exists():
        note(f"{directory}: not a world directory (no enterprises.jsonl)")
        return None
    return frames_from_dir(directory)


def _fail(exc: GraphRiskError) -> int:
    return fail(f"error ({exc.code}): {exc.message}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Train graph and tabular models on a world directory and compare them on held-out data."""
    from gnn.device import resolve_device
    from gnn.evaluate import evaluate_world

    started = time.perf_counter()
    try:
        frames = _world(args)
        if frames is None:
            return 2
        note(f"evaluating on {len(frames.enterprises)} enterprises from {args.world}")
        result = evaluate_world(
            frames,
            options=graph_options(args),
            device=resolve_device(),
            log=note,
            **test_window(args),
        )
    except GraphRiskError as exc:
        return _fail(exc)
    print(json.dumps(result, ensure_ascii=False))
    for name, m in result["models"].items():
        note(
            f"{name:9s} AUC {m['auc']:.3f} AUPRC {m['auprc']:.3f} top1% {m['precision_top1']:.3f} "
            f"top5% {m['precision_top5']:.3f} Brier {m['brier']:.4f}"
        )
    note(f"in service: {result['selection']['in_service']}: {result['selection']['reason']}")
    note(
        f"graph AUC {result['auc_graph']:.3f}, served AUC {result['auc_served']:.3f} vs tabular "
        f"AUC {result['auc_tabular']:.3f} on {result['n_test']} held-out "
        f"({result['split']['kind']} split) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


async def train_graph_model(
    *,
    options: TrainOptions,
    frames: WorldFrames | None = None,
    record: bool = True,
    data_dir: Path | None = None,
    window: dict[str, Any] | None = None,
    activate: bool = True,
) -> dict[str, Any]:
    """Train, save and activate a graph model (on `frames`, else the database's world); its card.
    Without `activate` the version in service stays (the new one awaits approval).

    Raises GraphRiskError when no model could be trained; the previous one then stays in service.
    """
    from gnn import service

    try:
        card = await service.train(
            data_dir=data_dir,
            frames=frames,
            options=options,
            record=record,
            log=note,
            activate=activate,
            **(window or {}),
        )
    except GraphRiskError:
        note("the previous graph model stays in service")
        raise
    m = card["metrics"]
    note(
        f"graph model {card['version']} saved to {card['path']}: held-out AUC "
        f"{m['auc_graph']:.3f} (tabular {m['auc_tabular']:.3f})"
    )
    served = card.get("served", {})
    note(f"in service: {served.get('choice')}: {served.get('reason')}")
    return card


def cmd_train(args: argparse.Namespace) -> int:
    """Train, save and activate a graph model from a world directory or the database."""

    async def go(frames: WorldFrames | None, record: bool) -> int:
        before = await _in_service() if record else {}
        try:
            card = await train_graph_model(
                options=graph_options(args), frames=frames, record=record,
                window=test_window(args), activate=MODEL_NAME not in before,
            )  # fmt: skip
        except GraphRiskError as exc:
            return _fail(exc)
        if MODEL_NAME in before:
            await _request_activation(before, card["version"])
        if args.json:
            out = {"version": card["version"], "path": card["path"], **card["metrics"]}
            print(json.dumps({**out, "served": card.get("served")}))
        return 0

    if args.world:
        try:
            frames = _world(args)
        except GraphRiskError as exc:
            return _fail(exc)
        return 2 if frames is None else asyncio.run(go(frames, False))
    return run_with_db(lambda: go(None, True))


async def _in_service() -> dict[str, str]:
    from domain.models_governance.training import models_in_service

    return await models_in_service()


async def _request_activation(before: dict[str, str], version: str) -> None:
    """Maker-checker: the graph model in service stays; the new version awaits approval."""
    from cli.governance import operator
    from domain.models_governance.training import stage_trained

    for r in await stage_trained(
        before=before, trained=[(MODEL_NAME, version)], principal=await operator(None)
    ):
        note(f"{r.name} {r.version} awaits approval (request {r.id}); {before[r.name]} stays "
             f"in service: `ipcredit models activate --approve {r.id}`")  # fmt: skip


def cmd_score(args: argparse.Namespace) -> int:
    """Score every enterprise in the database; list the riskiest."""
    from gnn import service

    async def go() -> int:
        started = time.perf_counter()
        try:
            scores = await service.score_all()
        except GraphRiskError as exc:
            return _fail(exc)
        if args.json:
            print(json.dumps(scores))
        top = sorted(scores.items(), key=lambda kv: -kv[1])[: args.top]
        for uscc, p in top:
            note(f"{uscc} {p:.4f}")
        mean = sum(scores.values()) / max(len(scores), 1)
        note(
            f"scored {len(scores)} enterprises (mean graph risk {mean:.4f}) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        return 0

    return run_with_db(go)


def cmd_contagion(args: argparse.Namespace) -> int:
    """Who is exposed if these enterprises default."""
    from gnn import service

    async def go() -> int:
        try:
            result = await service.simulate_shock(usccs=args.uscc, hops=args.hops)
        except GraphRiskError as exc:
            return _fail(exc)
        out: dict[str, Any] = asdict(result)
        print(json.dumps(out, ensure_ascii=False))
        note(f"{len(result.exposed)} exposed enterprises within {args.hops} hops")
        return 0

    return run_with_db(go)


def cmd_explain(args: argparse.Namespace) -> int:
    """What moves one enterprise's graph risk."""
    from gnn import service

    async def go() -> int:
        try:
            expl, reasons = await service.explain(uscc=args.uscc)
        except GraphRiskError as exc:
            return _fail(exc)
        print(json.dumps({**asdict(expl), "reasons": reasons}, ensure_ascii=False))
        return 0

    return run_with_db(go)


def training_args(p: argparse.ArgumentParser, *, what: str = "") -> None:
    """The graph model's training options (`what` names the model in the help of a command that
    trains several)."""
    p.add_argument("--epochs", type=int, default=200, help=f"maximum epochs{what} (default 200)")
    p.add_argument("--seed", type=int, default=0, help=f"random seed{what} (default 0)")
    p.add_argument(
        "--test-from",
        type=_date,
        help="start of the held-out test window (YYYY-MM-DD; default: chosen automatically)",
    )
    p.add_argument(
        "--test-to", type=_date, help="end of the test window (default: 12 months later)"
    )


def register(sub: Subparsers) -> None:
    """Add the `gnn` group."""
    group = sub.add_parser("gnn", help="graph risk model")
    gsub = group.add_subparsers(dest="gnn_command", required=True, metavar="ACTION")

    ev = gsub.add_parser("evaluate", help="train graph and tabular models on a world, compare")
    ev.add_argument("--world", required=True, help="a world directory")
    training_args(ev)
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    ev.set_defaults(func=cmd_evaluate)

    tr = gsub.add_parser("train", help="train, save and activate a new graph model version")
    tr.add_argument("--world", help="a world directory (default: the database)")
    training_args(tr)
    tr.add_argument("--json", action="store_true", help="print the result as JSON")
    tr.set_defaults(func=cmd_train)

    sc = gsub.add_parser("score", help="score every enterprise in the database")
    sc.add_argument("--json", action="store_true", help="print {uscc: graph risk} as JSON")
    sc.add_argument("--top", type=int, default=10, help="how many of the riskiest to list")
    sc.set_defaults(func=cmd_score)

    co = gsub.add_parser("contagion", help="who is exposed if these enterprises default")
    co.add_argument("--uscc", action="append", required=True, help="repeat for several")
    co.add_argument("--hops", type=int, default=2)
    co.set_defaults(func=cmd_contagion)

    ex = gsub.add_parser("explain", help="what moves one enterprise's graph risk")
    ex.add_argument("--uscc", required=True)
    ex.set_defaults(func=cmd_explain)
