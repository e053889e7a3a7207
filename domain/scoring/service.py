"""Scoring stored enterprises with the active scorecard, and training every model on the world."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from tortoise.transactions import in_transaction

from db.models import Enterprise, ModelCard, RiskScore
from domain.errors import DomainError, NotFound, Unavailable
from domain.scoring.scorecard import Scorecard

MODEL_NAME = "scorecard"
MODELS_DIR = "models"

_loaded: dict[Path, Scorecard] = {}


@dataclass(frozen=True)
class ScoreResult:
    """A scored applicant: what RiskScore stores, before it is stored."""

    score: int
    grade: str
    probability_of_default: float
    reasons: list[dict[str, Any]]
    version: str


def score_values(card: Scorecard, values: Mapping[str, float | None]) -> ScoreResult:
    """Score one applicant's indicator values (code -> value; missing or None is missing)."""
    row = pd.DataFrame([{f: values.get(f) for f in card.features}])
    out = card.score(row).iloc[0]
    return ScoreResult(
        score=int(out["score"]),
        grade=str(out["grade"]),
        probability_of_default=float(out["pd"]),
        reasons=list(out["reasons"]),
        version=card.version,
    )


def _data_dir(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return data_dir
    from config import settings

    return settings().data_dir


async def active_scorecard(*, data_dir: Path | None = None) -> Scorecard:
    """The scorecard in service (read once per file); Unavailable if none is trained."""
    card = await ModelCard.filter(name=MODEL_NAME, active=True).order_by("-id").first()
    if card is None:
        raise Unavailable("no scorecard has been trained yet (run `ipcredit train`)")
    path = _data_dir(data_dir) / card.path
    if path not in _loaded:
        try:
            _loaded[path] = await asyncio.to_thread(Scorecard.load, path)
        except (OSError, ValueError, KeyError) as exc:
            raise Unavailable(f"the scorecard file cannot be used: {exc}") from exc
    return _loaded[path]


async def indicator_values(
    *, enterprise: Enterprise, as_of: datetime | None
) -> tuple[dict[str, float | None], str, datetime]:
    """The latest stored snapshot at or before as_of; without one, a snapshot is computed from
    the enterprise's neighbourhood as of `as_of` and stored. Without `as_of` (a decision now),
    a stale snapshot (see `domain.indicators.refresh.snapshot_is_stale`) is recomputed as of
    now first."""
    from domain.indicators.refresh import ensure_fresh_snapshot
    from domain.indicators.service import compute_and_store_snapshots, latest_snapshot_row

    if as_of is None:
        await ensure_fresh_snapshot(enterprise=enterprise)
    snap = await latest_snapshot_row(enterprise.id, as_of)
    if snap is None:
        await compute_and_store_snapshots(as_of=as_of or datetime.now(UTC), usccs=[enterprise.uscc])
        snap = await latest_snapshot_row(enterprise.id, as_of)
    if snap is None:  # pragma: no cover - the snapshot was just stored
        raise Unavailable(f"no indicators for enterprise {enterprise.id}")
    values = {str(k): (None if v is None else float(v)) for k, v in dict(snap.values).items()}
    return values, snap.registry_version, snap.as_of


async def score_enterprise(
    *, enterprise_id: int, as_of: datetime | None = None, data_dir: Path | None = None
) -> RiskScore:
    """Score an enterprise with the active scorecard and store the RiskScore."""
    enterprise = await Enterprise.get_or_none(id=enterprise_id)
    if enterprise is None:
        raise NotFound(f"no enterprise {enterprise_id}", field="enterprise_id")
    card = await active_scorecard(data_dir=data_dir)
    values, registry_version, when = await indicator_values(enterprise=enterprise, as_of=as_of)
    result = score_values(card, values)
    return await RiskScore.create(
        enterprise=enterprise,
        score=result.score,
        grade=result.grade,
        probability_of_default=result.probability_of_default,
        graph_risk=None,
        reasons=result.reasons,
        model_versions={"scorecard": result.version, "indicators": registry_version},
        as_of=when,
    )


async def latest_risk_score(*, enterprise_id: int) -> RiskScore | None:
    """The newest stored score of an enterprise."""
    return await RiskScore.filter(enterprise_id=enterprise_id).order_by("-id").first()


def _world_end(frames: Any) -> datetime:
    out = frames.outcomes
    if out.empty or out["as_of"].isna().all():
        return datetime.now(UTC)
    end = pd.Timestamp(out["as_of"].max()).to_pydatetime()
    return end.replace(tzinfo=UTC)


async def _activate(
    *, name: str, version: str, path: str, metrics: dict[str, Any], data_hash: str,
    description: str, trained_at: datetime, activate: bool = True,
) -> ModelCard:  # fmt: skip
    """Record this version's card; with `activate` make it the only active model of its name
    (one transaction), else the version in service stays (the new one awaits approval)."""
    async with in_transaction() as conn:
        if activate:
            await ModelCard.filter(name=name, active=True).using_db(conn).update(active=False)
        card = await ModelCard.filter(name=name, version=version).using_db(conn).first()
        clean = _json_safe(metrics)
        if card is None:
            card = await ModelCard.create(
                name=name, version=version, trained_at=trained_at, metrics=clean,
                description=description, data_hash=data_hash, path=path, active=activate,
                using_db=conn,
            )  # fmt: skip
        else:
            card.trained_at, card.metrics = trained_at, clean
            card.active = card.active or activate
            card.data_hash, card.path, card.description = data_hash, path, description
            await card.save(using_db=conn)
    return card


def _json_safe(value: Any) -> Any:
    """NaN and infinities become null so the metrics are valid JSON."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


SCORECARD_DESCRIPTION = (
    "Credit scorecard: optimal WoE binning (monotonic) of the enterprise indicators, "
    "information-value selection, "
    "logistic regression; score = offset + factor * ln(good:bad odds), 600 points at 50:1, "
    "20 points to double the odds. Metrics on the later, held-out period."
)
VALUATION_DESCRIPTION = (
    "Patent valuation: the average of a ridge regression and monotonic gradient boosting on "
    "ln(transaction price) from the patent quality indicators, the legal term left, kind and "
    "IPC section; 10-90 % interval from out-of-fold residuals; compared "
    "with the median price by kind and IPC section on held-out priced patents."
)


async def train_models(
    *,
    data_dir: Path | None = None,
    as_of_train: date | None = None,
    progress: Callable[[str], None] | None = None,
    keep_in_service: Collection[str] = (),
) -> list[ModelCard]:
    """Fit the valuation model and the scorecard on the database's world; activate both, except
    a model named in `keep_in_service`, whose version in service stays (maker-checker: the new
    one awaits a second person's approval).

    Both are fitted before anything is written; a failure raises and leaves the models in
    service untouched. Files get versioned names, so a new file never overwrites one in use.
    """
    from db.frames import load_frames
    from domain.scoring.fit import fit_from_world
    from domain.valuation.service import MODEL_NAME as VALUATION
    from domain.valuation.service import fit_on_frames
    from domain.valuation.store import save_model

    say = progress or (lambda _m: None)
    root = _data_dir(data_dir)
    say("loading the world from the database")
    frames = await load_frames()
    end = _world_end(frames)
    say(f"fitting the valuation model on priced patents (as of {end.date()})")
    val_model, val_metrics, val_hash = await asyncio.to_thread(fit_on_frames, frames, as_of=end)
    say("fitting the scorecard on outcomes")
    card, sc_metrics = await asyncio.to_thread(fit_from_world, frames, as_of_train=as_of_train)
    trained_at = datetime.now(UTC)
    models = root / MODELS_DIR
    try:
        val_version, val_path = await asyncio.to_thread(save_model, val_model, models)
        sc_path = models / f"{card.version}.json"
        await asyncio.to_thread(card.save, sc_path)
    except OSError as exc:
        raise DomainError(f"cannot write model files under {models}: {exc}") from exc
    cards = [
        await _activate(
            name=VALUATION, version=val_version, path=str(val_path.relative_to(root)),
            metrics=val_metrics, data_hash=val_hash, description=VALUATION_DESCRIPTION,
            trained_at=trained_at, activate=VALUATION not in keep_in_service,
        ),
        await _activate(
            name=MODEL_NAME, version=card.version, path=str(sc_path.relative_to(root)),
            metrics=sc_metrics, data_hash=str(sc_metrics.get("data_hash", "")),
            description=SCORECARD_DESCRIPTION, trained_at=trained_at,
            activate=MODEL_NAME not in keep_in_service,
        ),
    ]  # fmt: skip
    say(f"trained {val_version} and {card.version}")
    return cards
