"""Thin async service around the graph cores: load, score, contagion, explain, train.

The loaded graph, model and full-graph scores are cached per process so contagion queries only
pay for their own neighbourhood; the cache is dropped when the active model version changes,
after `invalidate()` (new data), or after MAX_AGE_SECONDS.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from db.frames import WorldFrames, load_frames
from gnn import contagion as contagion_core
from gnn import explain as explain_core
from gnn.device import resolve_device
from gnn.evaluate import FeatureProvider, Log
from gnn.graph import build_graph
from gnn.khop import check_hops, global_csr
from gnn.pipeline import train_and_save
from gnn.registry import MODEL_NAME, active_version, load_model
from gnn.scoring import ScoredGraph
from gnn.train import TrainOptions

MAX_AGE_SECONDS = 600.0

ContagionResult = contagion_core.ContagionResult
Explanation = explain_core.Explanation


@dataclass
class Loaded:
    """A scored graph ready for contagion queries."""

    version: str
    graph: ScoredGraph
    loaded_at: float


_cache: dict[str, Loaded] = {}
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


def default_as_of(frames: WorldFrames) -> pd.Timestamp:
    """The world's end when outcomes say it, else today (UTC)."""
    oc = frames.outcomes
    if not oc.empty and oc["as_of"].notna().any():
        return pd.Timestamp(oc["as_of"].max())
    return pd.Timestamp(datetime.now(UTC).date())


def invalidate() -> None:
    """Forget the cached graph (call after new data arrives)."""
    _cache.clear()


def _load_sync(
    frames: WorldFrames, data_dir: Path, version: str, features: FeatureProvider | None
) -> Loaded:
    model = load_model(data_dir, version, device=resolve_device())
    as_of = default_as_of(frames)
    bundle = build_graph(frames, features(frames, as_of) if features else None, as_of)
    scored = ScoredGraph.build(model, bundle)
    global_csr(bundle)  # built now so the first contagion query does not pay for it
    return Loaded(version, scored, time.monotonic())


async def loaded(
    *, data_dir: Path | None = None, features: FeatureProvider | None = None
) -> Loaded:
    """The cached scored graph, (re)built when stale; ModelUnavailable without a model."""
    directory = _data_dir(data_dir)
    key = str(directory)
    async with _lock():
        version = active_version(directory)
        current = _cache.get(key)
        fresh = (
            current is not None
            and current.version == version
            and time.monotonic() - current.loaded_at < MAX_AGE_SECONDS
        )
        if current is not None and fresh:
            return current
        if version is None:
            load_model(directory)  # raises ModelUnavailable with the reason
        frames = await load_frames()
        state = await asyncio.to_thread(_load_sync, frames, directory, str(version), features)
        _cache[key] = state
        return state


async def score_all(
    *, data_dir: Path | None = None, features: FeatureProvider | None = None
) -> dict[str, float]:
    """Graph risk (calibrated probability of default) of every enterprise, by USCC."""
    state = await loaded(data_dir=data_dir, features=features)
    return state.graph.score_map()


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
        contagion_core.simulate_shock, state.graph, usccs, hops, limit=limit
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
    expl = await asyncio.to_thread(explain_core.explain, graph.model, graph.bundle, uscc)
    return expl, explain_core.reason_codes(expl)


async def train(
    *,
    data_dir: Path | None = None,
    frames: WorldFrames | None = None,
    features: FeatureProvider | None = None,
    options: TrainOptions | None = None,
    record: bool = True,
    log: Log | None = None,
) -> dict[str, Any]:
    """Train on the database (or given frames), save and activate; the old model stays on failure.

    With `record`, the card is also stored as the active `gnn` ModelCard row.
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
    )
    invalidate()
    if record:
        await record_card(card)
    return card


async def record_card(card: dict[str, Any]) -> None:
    """Store a saved version as the only active `gnn` ModelCard row."""
    from tortoise.transactions import in_transaction

    from db.models import ModelCard

    trained_at = datetime.fromisoformat(card["trained_at"])
    async with in_transaction() as conn:
        await ModelCard.filter(name=MODEL_NAME, active=True).using_db(conn).update(active=False)
        await ModelCard.create(
            name=MODEL_NAME,
            version=card["version"],
            trained_at=trained_at,
            metrics=card["metrics"],
            description=card["description"],
            data_hash=card["data_hash"],
            path=card["path"],
            active=True,
            using_db=conn,
        )
