"""Credit scores and the reasons behind scores and decisions as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from db import models as m

# a stored reason is a dict: {"code", "description", "weight"}
Reason = dict[str, Any]


def _code(root: strawberry.Parent[Reason]) -> str:
    return str(root.get("code"))


def _description(root: strawberry.Parent[Reason]) -> str:
    return str(root.get("description", ""))


def _weight(root: strawberry.Parent[Reason]) -> float:
    return float(root.get("weight") or 0.0)


@strawberry.type(description="A reason behind a score or decision.")
class ReasonCode:
    code: str = strawberry.field(resolver=_code, description="Stable code.")
    description: str = strawberry.field(
        resolver=_description, description="In words, for a loan officer."
    )
    weight: float = strawberry.field(
        resolver=_weight, description="How much it weighed (points or share)."
    )


def _graph_risk(root: strawberry.Parent[m.RiskScore]) -> float:
    return root.graph_risk if root.graph_risk is not None else 0.0


def _reasons(root: strawberry.Parent[m.RiskScore]) -> list[Reason]:
    return list(root.reasons or [])


@strawberry.type(description="A credit score with probability of default and graph risk.")
class RiskScore:
    score: int = strawberry.field(description="Scorecard points (higher is safer).")
    grade: str = strawberry.field(description="Grade band.")
    probability_of_default: float = strawberry.field(description="12-month probability of default.")
    graph_risk: float = strawberry.field(
        resolver=_graph_risk,
        description="The GNN's probability of default; 0 when no graph model was available.",
    )
    reasons: list[ReasonCode] = strawberry.field(
        resolver=_reasons, description="What pushed the score down most."
    )
    model_versions: JSON = strawberry.field(description="Versions of every model used.")
    as_of: datetime = strawberry.field(description="As of when.")


__all__ = ["ReasonCode", "RiskScore"]
