"""Thin async service around the graph cores: load, score, contagion, explain, train.

The graph, the model and full-graph scores are loaded once per process and kept (gnn.live):
at start-up in the worker process (`load_at_start`), else on first use. They are never
rebuilt on a request's path: when the active model version changes or the scores are older
than REFRESH_SECONDS a rebuild runs in the background, and events update the enterprises they
touch in place (`refresh_enterprises`: k-hop re-scoring). `invalidate()` forgets everything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from db.frames import WorldFrames, load_frames
from gnn import contagion as contagion_core
from gnn import explain as explain_core
from gnn.device import resolve_device
from gnn.errors import GraphRiskError
from gnn.evaluate import FeatureProvider, Log
from gnn.graph import build_graph
from gnn.incremental import news, recount_events
from gnn.khop import check_hops, global_csr
from gnn.live import REFRESH_SECONDS, Live, Loaded
from gnn.pipeline import train_and_save
from gnn.registry import MODEL_NAME, active_version, load_model
from gnn.relations import ENTERPRISE
from gnn.scoring import ScoredGraph
from gnn.train import TrainOptions

__all__ = [
    "REFRESH_SECONDS",
    "Loaded",
    "loaded",
    "load_at_start",
    "refresh_enterprises",
    "score_frames",
]

log = logging.getLogger("ipcredit.gnn")
T = TypeVar("T")

ContagionResult = contagion_core.ContagionResult
Explanation = explain_core.Explanation

_lives: dict[str, Live] = {}
_locks: dict[int, asyncio.Lock] = {}


def _lock() -> asyncio.Lock:
    # one lock per event loop: a lock is bound to the loop that first waits on it
    loop = asyncio.get_running_loop()
    return _locks.setdefault(id(loop), asyncio.Lock())


def _data_dir(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    from config import settings

    return settings().data_dir


def live(data_dir: Path | None = None) -> Live:
    """The graph in service for a data directory (created empty on first use)."""
    return _lives.setdefault(str(_data_dir(data_dir)), Live())


def default_as_of(frames: WorldFrames) -> pd.Timestamp:
    """The world's end when outcomes say it, else today (UTC)."""
    oc = frames.outcomes
    if not oc.empty and oc["as_of"].notna().any():
        return pd.Timestamp(oc["as_of"].max())
    return pd.Timestamp(datetime.now(UTC).date())


def invalidate() -> None:
    """Forget the graphs of this process (the next use loads again)."""
    _lives.clear()


def score_frames(
    frames: WorldFrames,
    data_dir: Path,
    version: str | None = None,
    features: FeatureProvider | None = None,
) -> Loaded:
    """Build the graph of a world and score every enterprise with the served model (the active
    version, or `version`): what a worker does at start-up and on every full rebuild, once the
    world is read. The seconds of each step are kept in `Loaded.seconds`."""
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = round(now - clock, 3)
        clock = now

    model = load_model(data_dir, version, device=resolve_device())
    lap("load_model")
    as_of = default_as_of(frames)
    bundle = build_graph(frames, features(frames, as_of) if features else None, as_of)
    # events dated after the graph's date are news: counted, as incremental updates count them
    rows, x = recount_events(bundle, frames.events, news(frames.events, as_of))
    bundle.x[ENTERPRISE][rows] = x
    lap("build_graph")
    scored = ScoredGraph.build(model, bundle)
    lap("score")
    global_csr(bundle)  # built now so the first contagion query does not pay for it
    lap("contagion_index")
    state = Loaded.of(model.version, scored)
    lap("risk_map")
    state.seconds = steps
    log.info("graph %s scored: %s", model.version, steps)
    return state


def _load_sync(
    frames: WorldFrames, data_dir: Path, version: str | None, features: FeatureProvider | None
) -> Loaded:
    return score_frames(frames, data_dir, version, features)


async def _build(directory: Path, version: str | None, features: FeatureProvider | None) -> Loaded:
    frames = await load_frames()
    return await asyncio.to_thread(_load_sync, frames, directory, version, features)


async def _build_apart(
    url: str, directory: Path, version: str | None, features: FeatureProvider | None
) -> Loaded:
    """Build on a thread with its own loop and connection: nothing runs on the caller's loop."""
    from db.connection import own_connections

    async def build() -> Loaded:
        async with own_connections(url):
            frames = await load_frames()
        return _load_sync(frames, directory, version, features)

    return await asyncio.to_thread(asyncio.run, build())


async def loaded(
    *, data_dir: Path | None = None, features: FeatureProvider | None = None
) -> Loaded:
    """The graph in service; loaded now on first use (ModelUnavailable without a model).

    Once loaded it is returned at once: a new active version or old scores start a rebuild
    in the background.
    """
    directory = _data_dir(data_dir)
    state = live(directory)
    version = active_version(directory)
    current = state.current
    if current is None:
        async with _lock():
            if state.current is None:
                if version is None:
                    load_model(directory)  # raises ModelUnavailable with the reason
                state.current = await _build(directory, version, features)
                state.builds += 1
            return state.current
    if version != current.version or state.stale():
        url = state.database_url
        if url is not None:
            state.start_refresh(lambda: _build_apart(url, directory, version, features))
        else:
            state.start_refresh(lambda: _build(directory, version, features))
    return current


async def load_at_start(
    *,
    data_dir: Path | None = None,
    features: FeatureProvider | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Load and score the graph now (a worker process, before it consumes); what happened.

    With `database_url`, later rebuilds read the database on a thread and connection of their
    own. Never raises: no model, or one that cannot be used, is reported and logged.
    """
    directory = _data_dir(data_dir)
    if database_url is not None and ":memory:" not in database_url:
        live(directory).database_url = database_url
    if active_version(directory) is None:
        reason = "no graph model is active (run `ipcredit gnn train`)"
        log.warning("graph risk off: %s", reason)
        return {"state": "none", "reason": reason}
    started = time.perf_counter()
    try:
        state = await loaded(data_dir=directory, features=features)
    except Exception as exc:  # noqa: BLE001 - decisions go on without graph risk
        reason = exc.message if isinstance(exc, GraphRiskError) else f"{type(exc).__name__}: {exc}"
        log.exception("graph model unusable; deciding without graph risk: %s", reason)
        return {"state": "unusable", "reason": reason}
    return {
        "state": "scored",
        "version": state.version,
        "enterprises": len(state.risk),
        "seconds": round(time.perf_counter() - started, 2),
    }


async def refresh_enterprises(
    usccs: list[str], *, data_dir: Path | None = None
) -> dict[str, float]:
    """After events: re-score these enterprises' neighbourhoods in the graph loaded here.

    Returns the graph risk of every enterprise whose risk moved; {} when this process has no
    graph loaded (it loads none for this).
    """
    found = _lives.get(str(_data_dir(data_dir)))
    if found is None:
        return {}
    return await found.update(usccs)


async def refreshed(data_dir: Path | None = None) -> None:
    """Wait for a rebuild in progress, if any."""
    found = _lives.get(str(_data_dir(data_dir)))
    task = found.task if found is not None else None
    if task is not None:
        await asyncio.shield(task)


def _locked(state: Loaded, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # queries read the arrays that updates change: one at a time per graph
    with state.lock:
        return fn(*args, **kwargs)


async def score_all(
    *, data_dir: Path | None = None, features: FeatureProvider | None = None
) -> dict[str, float]:
    """Graph risk (calibrated probability of default) of every enterprise, by USCC."""
    state = await loaded(data_dir=data_dir, features=features)
    return dict(state.risk)


async def simulate_shock(
    *,
    usccs: list[str],
    hops: int = 2,
    limit: int = contagion_core.DEFAULT_LIMIT,
    data_dir: Path | None = None,
    features: FeatureProvider | None = None,
) -> ContagionResult:
    """Mark the enterprises defaulted and list the exposed ones with risk before/after and path."""
    check_hops(hops)
    state = await loaded(data_dir=data_dir, features=features)
    return await asyncio.to_thread(
        _locked, state, contagion_core.simulate_shock, state.graph, usccs, hops, limit=limit
    )


async def contagion(
    *,
    uscc: str,
    hops: int = 2,
    limit: int = contagion_core.DEFAULT_LIMIT,
    data_dir: Path | None = None,
    features: FeatureProvider | None = None,
) -> ContagionResult:
    """Who is exposed, and how, if this enterprise defaults."""
    return await simulate_shock(
        usccs=[uscc], hops=hops, limit=limit, data_dir=data_dir, features=features
    )


async def explain(
    *, uscc: str, data_dir: Path | None = None, features: FeatureProvider | None = None
) -> tuple[Explanation, list[dict[str, Any]]]:
    """The relations and neighbours that move one enterprise's graph risk, and reason codes."""
    state = await loaded(data_dir=data_dir, features=features)
    graph = state.graph
    expl = await asyncio.to_thread(
        _locked, state, explain_core.explain, graph.model, graph.bundle, uscc
    )
    return expl, explain_core.reason_codes(expl)


async def train(
    *,
    data_dir: Path | None = None,
    frames: WorldFrames | None = None,
    features: FeatureProvider | None = None,
    options: TrainOptions | None = None,
    record: bool = True,
    log: Log | None = None,
    test_from: pd.Timestamp | None = None,
    test_to: pd.Timestamp | None = None,
    activate: bool = True,
) -> dict[str, Any]:
    """Train on the database (or given frames), save and activate; the old model stays on failure.

    With `record`, the card is also stored as a `gnn` ModelCard row (the only active one with
    `activate`; without, the version in service stays and the new one awaits approval).
    `test_from` / `test_to` fix the held-out window the served model is chosen on (default:
    automatic).
    """
    directory = _data_dir(data_dir)
    world = frames if frames is not None else await load_frames()
    card = await asyncio.to_thread(
        train_and_save,
        world,
        data_dir=directory,
        options=options,
        features=features,
        device=resolve_device(),
        log=log,
        test_from=test_from,
        test_to=test_to,
        activate=activate,
    )
    invalidate()
    if record:
        await record_card(card, active=activate)
    return card


async def record_card(card: dict[str, Any], *, active: bool = True) -> None:
    """Store a saved version as a `gnn` ModelCard row (the only active one with `active`)."""
    from tortoise.transactions import in_transaction

    from db.models import ModelCard

    trained_at = datetime.fromisoformat(card["trained_at"])
    async with in_transaction() as conn:
        if active:
            await ModelCard.filter(name=MODEL_NAME, active=True).using_db(conn).update(active=False)
        await ModelCard.create(
            name=MODEL_NAME,
            version=card["version"],
            trained_at=trained_at,
            metrics=card["metrics"],
            description=card["description"],
            data_hash=card["data_hash"],
            path=card["path"],
            active=active,
            using_db=conn,
        )
