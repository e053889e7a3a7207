"""Replaying a stored decision: recompute it from its recorded inputs with the policy version it
used, re-score the applicant's stored indicators with the scorecard version it used, and list
every field that comes out differently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.models import IndicatorSnapshot, LoanApplication, ModelCard, RiskScore
from domain.decision.engine import decide
from domain.decision.inputs import ApplicationTerms, ProductTerms, RiskInputs
from domain.errors import NotFound

# the reason a guarantee check adds in front of the model's reasons (not the model's doing)
_ADDED_AFTER = {"GUARANTEE_INELIGIBLE"}
_MODEL_FIELDS = ("probability_of_default", "score", "grade")


@dataclass(frozen=True)
class FieldDifference:
    """One field that differs: its dotted path, the stored and the replayed value (as text)."""

    field: str
    stored: str | None
    replayed: str | None


@dataclass(frozen=True)
class DecisionReplay:
    """What replaying a stored decision gave."""

    application_id: int
    policy_version: str
    model_versions: dict[str, str]
    stored: dict[str, Any]
    replayed: dict[str, Any]
    differences: list[FieldDifference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """True when nothing differs."""
        return not self.differences


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted paths; lists of reasons by position and code."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flat(v, f"{prefix}[{i}]"))
        return out if value else {prefix: "[]"}
    return {prefix: value}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def diff(stored: dict[str, Any], replayed: dict[str, Any]) -> list[FieldDifference]:
    """Every dotted field whose value differs (missing on one side included), sorted."""
    a, b = _flat(stored), _flat(replayed)
    return [
        FieldDifference(k, _text(a.get(k)), _text(b.get(k)))
        for k in sorted(set(a) | set(b))
        if _text(a.get(k)) != _text(b.get(k))
    ]


def _stored_model_part(record: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The model's own decision as stored (a guarantee check may have overridden the outcome
    afterwards: the model's outcome is kept under `model` then)."""
    model = record.get("model") or {}
    stored = {k: model.get(k, record.get(k)) for k in keys}
    if model:
        stored["reasons"] = [r for r in record["reasons"] if r["code"] not in _ADDED_AFTER]
    return stored


async def replay_application(
    *, application_id: int, data_dir: Path | None = None
) -> DecisionReplay:
    """Recompute a stored model decision and compare it with what was stored, field by field."""
    from domain.decision.policy import load_policy

    application = await LoanApplication.get_or_none(id=application_id)
    record = None if application is None else application.decision
    if not record or record.get("inputs") is None:
        raise NotFound("no model decision with recorded inputs for this application", field="id")
    notes: list[str] = []
    policy = load_policy(record["policy_version"])
    if record.get("policy_sha256") and record["policy_sha256"] != policy.sha256:
        notes.append(f"policy {policy.version} has changed since the decision")
    inputs = RiskInputs.from_dict(record["inputs"])
    result = decide(
        inputs,
        ApplicationTerms.from_dict(record["terms"]),
        ProductTerms.from_dict(record["product"]),
        policy,
    ).to_dict()
    result["policy_sha256"] = policy.sha256
    stored = _stored_model_part(record, list(result))
    differences = diff(stored, result)
    rescored = await _rescore(inputs, data_dir, notes)
    if rescored is not None:
        kept = {f"inputs.{k}": record["inputs"].get(k) for k in _MODEL_FIELDS}
        differences += diff(kept, {f"inputs.{k}": v for k, v in rescored.items()})
        result["rescored"] = rescored
    return DecisionReplay(
        application_id=application_id,
        policy_version=policy.version,
        model_versions=dict(record.get("model_versions") or {}),
        stored=stored,
        replayed=result,
        differences=differences,
        notes=notes,
    )


async def _rescore(
    inputs: RiskInputs, data_dir: Path | None, notes: list[str]
) -> dict[str, Any] | None:
    """The applicant's stored indicators scored again with the scorecard version the decision
    used; None (with a note) when the score row, the snapshot or the model file is gone."""
    from config import settings
    from domain.scoring.scorecard import Scorecard
    from domain.scoring.service import score_values

    row = (
        None
        if inputs.risk_score_id is None
        else await RiskScore.get_or_none(id=inputs.risk_score_id)
    )
    version = (inputs.model_versions or {}).get("scorecard")
    if row is None or version is None:
        notes.append("no stored score to re-score: the decision's model inputs are taken as stored")
        return None
    snapshot = (
        await IndicatorSnapshot.filter(enterprise_id=row.enterprise_id, as_of=row.as_of)
        .order_by("-id")
        .first()
    )
    card = await ModelCard.get_or_none(name="scorecard", version=version)
    root = data_dir if data_dir is not None else settings().data_dir
    if snapshot is None or card is None or not (root / card.path).exists():
        notes.append(f"scorecard {version} or its indicator snapshot is gone: not re-scored")
        return None
    model = await asyncio.to_thread(Scorecard.load, root / card.path)
    values = {str(k): (None if v is None else float(v)) for k, v in dict(snapshot.values).items()}
    scored = score_values(model, values)
    return {
        "probability_of_default": scored.probability_of_default,
        "score": scored.score,
        "grade": scored.grade,
    }


__all__ = ["DecisionReplay", "FieldDifference", "diff", "replay_application"]
