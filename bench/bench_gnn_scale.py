"""Graph risk at scale: training for service, and full-graph scoring with the served model.

    python bench/bench_gnn_scale.py [--train-enterprises 100000] [--scale 100000 --scale ...]
        [--served-kind hgb_agg|hgb|logistic|none] [--model-dir D] [--served-dir D] [--json]

Every step runs in a process of its own, so each peak RSS is that step's alone:

1. training for service on a world of `--train-enterprises` enterprises (default 10,000) from
   the world generator (domain.world.generator): what `ipcredit gnn train --world` runs once the
   world is read (`cli.gnn.train_graph_model` -> `gnn.service.train` -> `gnn.pipeline`: the graph
   network, the three tabular baselines, the served blend, selection on the held-out window,
   the refit on every labelled window, the saved version). Measured: its wall time (target
   < 15 min at 100,000) and peak RSS; reported: the model selected and the held-out AUCs. Not
   measured: generating the world, storing the model card in the database.
2. a served blend whose tabular part is `--served-kind` (default `hgb_agg`: boosted trees over
   own features and neighbour aggregates, the costliest to score), fitted on 10,000 generated
   enterprises whatever the selection says (`gnn.pipeline.fit_final` with that selection): the
   selection on generated worlds often picks the graph network alone, which leaves the tabular
   part unscored. Not timed.
3. for each `--scale` (default 100,000 and 1,000,000): a world synthesised with numpy
   (bench/bench_gnn.py `synth_frames`: about 3.2 nodes and 20 directed edges, reverses counted,
   per enterprise), written to a temporary file; its time and peak RSS are reported only.
4. for each scale and each model of steps 1 and 2: a fresh process reads that file (not timed)
   and runs `gnn.service.score_frames`, what a worker runs at start-up and on every full rebuild
   after reading the world: build the graph as of the world's date and recount recent events,
   score every enterprise (network, tabular part, blend), build the contagion index, the risk
   map by USCC. Targets: the scoring of the built graph (cold: it builds the sparse adjacencies)
   < 2 s at 100,000 and < 20 s at 1,000,000 enterprises, and the process's peak RSS, which
   includes the world's frames it holds as a worker does, < 2.5 GB and < 12 GB. Graph build and
   the whole `score_frames` are reported beside them.

Not measured: reading the world from the database (`load_frames`) or from world files, storing
the scores (`refresh_graph_risk`), contagion and explanations (bench_gnn.py), GPUs.

`make bench` runs the defaults (10,000-enterprise training, scoring at 100,000 and 1,000,000):
about 10 minutes on the 2-core machine (training about 1 minute, the served blend's fit 2-6, the
scoring steps about 3). Scoring of the built graph there, 2026-12: 0.8-1.0 s and 1.1 GB at
100,000 with the `hgb_agg` blend (0.6-0.7 s and 1.0 GB for the network alone), 11-16 s and 5.8
GB at 1,000,000 (11 s and 5.2 GB). The blend's tabular part runs beside the network on the other
core; with that core busy elsewhere it adds its own 8-9 s at 1,000,000 (22 s seen). The training
target needs `--train-enterprises 100000`: 580-679 s and 4.7 GB there (one training graph: the
year holds 3,474 defaults), 54-58 s at 10,000 and 259-342 s at 30,000 (three graphs), too
long for `make bench` with the world's generation (40-50 s, not timed). The 1,000,000-enterprise
steps need about 6 GB of free memory (one at a time). `--model-dir` / `--served-dir` score with models saved by an earlier `--step train N
DIR` / `--step served N DIR KIND` instead of fitting them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import Report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL_TRAINING = 10_000
# enterprises -> (seconds, MB) for full-graph scoring with the served model
SCORING_TARGETS: dict[int, tuple[float, float]] = {
    100_000: (2.0, 2560.0),
    1_000_000: (20.0, 12288.0),
}
TRAINING_TARGET_S = 900.0
TRAINING_TARGET_ENTERPRISES = 100_000


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(figures: dict[str, Any]) -> int:
    """A step's figures as the last line of stdout (read by the parent)."""
    print(json.dumps(figures), flush=True)
    return 0


def step_train(n: int, data_dir: Path) -> int:
    """Generate a world, then train for service on it as `ipcredit gnn train --world` does."""
    from cli.gnn import train_graph_model
    from domain.world.frames import frames_from_rows
    from domain.world.generator import generate_world
    from gnn.train import TrainOptions

    started = time.perf_counter()
    frames = frames_from_rows(generate_world(enterprises=n, seed=5))
    generated = time.perf_counter()
    card = asyncio.run(
        train_graph_model(options=TrainOptions(), frames=frames, record=False, data_dir=data_dir)
    )
    done = time.perf_counter()
    m = card["metrics"]
    return emit(
        {
            "enterprises": n,
            "generate_s": round(generated - started, 1),
            "train_s": round(done - generated, 1),
            "in_service": m["selection"]["in_service"],
            "served": card.get("served", {}).get("choice"),
            "tabular_kind": card.get("served", {}).get("tabular_kind"),
            "graph_weight": card.get("served", {}).get("g"),
            "auc": {k: v["auc"] for k, v in m["models"].items()},
            "epochs_run": m["epochs_run"],
            "peak_rss_mb": round(peak_rss_mb()),
        }
    )


def step_served(n: int, data_dir: Path, kind: str) -> int:
    """Fit and save a served blend with a `kind` tabular part whatever selection would say
    (`gnn.pipeline.fit_final` with that selection): the costliest model to score."""
    from domain.world.frames import frames_from_rows
    from domain.world.generator import generate_world
    from gnn.pipeline import fit_final
    from gnn.registry import frames_hash, save_model

    frames = frames_from_rows(generate_world(enterprises=n, seed=5))
    started = time.perf_counter()
    selection = {"mode": "served", "tabular_kind": kind, "in_service": "served", "reason": kind}
    model = fit_final(frames, selection=selection)
    save_model(model, data_dir, metrics={"selection": selection}, data_hash=frames_hash(frames))
    blend = model.blend
    return emit(
        {
            "enterprises": n,
            "fit_s": round(time.perf_counter() - started, 1),
            "tabular_kind": blend.tabular.kind if blend and blend.tabular else None,
            "graph_weight": blend.g if blend else None,
        }
    )


def step_generate(n: int, path: Path) -> int:
    """Synthesise a world of n enterprises into a pickle file."""
    from bench.bench_gnn import synth_frames

    started = time.perf_counter()
    frames = synth_frames(n)
    synthesised = time.perf_counter()
    with path.open("wb") as fh:
        pickle.dump(frames, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return emit(
        {
            "generate_s": round(synthesised - started, 1),
            "write_s": round(time.perf_counter() - synthesised, 1),
            "relations": len(frames.relations),
            "peak_rss_mb": round(peak_rss_mb()),
        }
    )


def step_score(path: Path, data_dir: Path) -> int:
    """Read a world, then score it whole as a worker does (`gnn.service.score_frames`)."""
    import torch

    from gnn import service
    from gnn.relations import NODE_TYPES

    started = time.perf_counter()
    with path.open("rb") as fh:
        frames = pickle.load(fh)
    gc.collect()
    read = time.perf_counter()
    rss_read = peak_rss_mb()
    state = service.score_frames(frames, data_dir)
    done = time.perf_counter()
    bundle = state.graph.bundle
    return emit(
        {
            "read_s": round(read - started, 1),
            "rss_after_read_mb": round(rss_read),
            "score_s": round(done - read, 3),
            "steps_s": state.seconds,
            "scored": len(state.risk),
            "nodes": sum(bundle.num_nodes(nt) for nt in NODE_TYPES),
            "directed_edges": bundle.num_edges,
            "threads": torch.get_num_threads(),
            "peak_rss_mb": round(peak_rss_mb()),
        }
    )


def run_step(*args: str) -> dict[str, Any]:
    """Run one step in a fresh process; its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--step", *args]
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"step {args[0]} failed with exit code {proc.returncode}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def scoring(n: int, tmp: Path, models: dict[str, Path], report: Report) -> dict[str, Any]:
    """Synthesise a world of n enterprises in one process and score it with each model in
    another."""
    world = tmp / f"world-{n}.pickle"
    gen = run_step("generate", str(n), str(world))
    label = f"{n:,} enterprises"
    report.figure(f"world synthesis (not the target), {label}", gen["generate_s"], "s")
    report.figure(f"peak RSS of the synthesis process, {label}", gen["peak_rss_mb"], "MB")
    seconds, mb = SCORING_TARGETS.get(n, (None, None))
    out: dict[str, Any] = {"generate": gen}
    try:
        for which, data_dir in models.items():
            got = out[which] = run_step("score", str(world), str(data_dir))
            print(json.dumps({label: {which: got}}), file=sys.stderr, flush=True)
            steps, tag = got["steps_s"], f"{label}, {which}"
            report.figure(f"scoring of the built graph, {tag}", steps["score"], "s", target=seconds)
            report.figure(f"peak RSS of the scoring process, {tag}", got["peak_rss_mb"], "MB",
                          target=mb)  # fmt: skip
            report.figure(f"graph build from frames, {tag}", steps["build_graph"], "s")
            report.figure(f"whole start-up scoring (score_frames), {tag}", got["score_s"], "s")
        report.figure(f"directed edges scored, {label}", got["directed_edges"], "edges")
    finally:
        world.unlink()
    return out


def training(n_train: int, data_dir: Path, report: Report) -> dict[str, Any]:
    """Train for service in a process of its own (the model the scoring steps use)."""
    train = run_step("train", str(n_train), str(data_dir))
    print(json.dumps({"train": train}), file=sys.stderr, flush=True)
    target = TRAINING_TARGET_S if n_train >= TRAINING_TARGET_ENTERPRISES else None
    label = f"training for service, {n_train:,} enterprises ({train['in_service']} selected)"
    report.figure(label, train["train_s"], "s", target=target)
    report.figure(f"peak RSS of training, {n_train:,} enterprises", train["peak_rss_mb"], "MB")
    return train


def main() -> int:
    """Run the steps; print the figures beside their targets, 1 when one is missed."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--train-enterprises", type=int, default=SMALL_TRAINING,
        help="enterprises to train on (default 10,000; 100,000 checks the training target)",
    )  # fmt: skip
    ap.add_argument("--scale", type=int, action="append", help="enterprises to score (repeat)")
    ap.add_argument(
        "--model-dir", type=Path, help="score with the active model of this data directory "
        "(from an earlier `--step train`) instead of training one"
    )  # fmt: skip
    ap.add_argument(
        "--served-kind", default="hgb_agg", choices=("hgb_agg", "hgb", "logistic", "none"),
        help="also score with a served blend of this tabular part (fitted on 10,000 "
        "enterprises), whatever the selection chose; `none`: only the model in service",
    )  # fmt: skip
    ap.add_argument(
        "--served-dir",
        type=Path,
        help="a data directory whose active model is "
        "that served blend (from an earlier `--step served`), instead of fitting one",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        kind, *rest = args.step
        if kind == "train":
            return step_train(int(rest[0]), Path(rest[1]))
        if kind == "served":
            return step_served(int(rest[0]), Path(rest[1]), rest[2])
        if kind == "generate":
            return step_generate(int(rest[0]), Path(rest[1]))
        return step_score(Path(rest[0]), Path(rest[1]))
    report = Report("gnn_scale")
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-gnn-") as name:
        tmp = Path(name)
        data_dir = args.model_dir or tmp / "data"
        if args.model_dir is None:
            figures["train"] = training(args.train_enterprises, data_dir, report)
        models = {"model in service": data_dir}
        if args.served_kind != "none":
            served = args.served_dir or tmp / "served"
            if args.served_dir is None:
                figures["served"] = run_step(
                    "served", str(SMALL_TRAINING), str(served), args.served_kind
                )
            models[f"served blend with {args.served_kind}"] = served
        for n in args.scale or sorted(SCORING_TARGETS):
            figures[str(n)] = scoring(n, tmp, models, report)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    raise SystemExit(main())
