"""Decisions on applications as the API shows them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

import resolvers.decision
from domain.decision import ReviewDecision as Verdict
from schema.types.risk_score import ReasonCode

ReviewDecision = strawberry.enum(
    Verdict, name="ReviewDecision", description="A reviewer's verdict."
)

# a stored decision is a dict: outcome, offer, reasons, who decided and when
Record = dict[str, Any]


def _outcome(root: strawberry.Parent[Record]) -> str:
    return str(root.get("outcome"))


def _approved_amount(root: strawberry.Parent[Record]) -> Decimal | None:
    amount = root.get("approved_amount")
    return Decimal(str(amount)) if amount is not None else None


def _annual_rate(root: strawberry.Parent[Record]) -> float | None:
    rate = root.get("annual_rate")
    return float(rate) if rate is not None else None


def _decided_at(root: strawberry.Parent[Record]) -> datetime:
    return datetime.fromisoformat(str(root["decided_at"]))


def _text(key: str) -> Any:
    def resolve(root: strawberry.Parent[Record]) -> str:
        return str(root.get(key) or "")

    return resolve


def _relation(root: strawberry.Parent[Record]) -> str | None:
    relation = root.get("relation")
    return None if relation is None else str(relation)


def _weight(root: strawberry.Parent[Record]) -> float:
    return float(root.get("weight") or 0.0)


def _counterparty(root: strawberry.Parent[Record]) -> Record | None:
    # the resolver of Decision.graphDriver has already removed it for applicants
    party: Record | None = root.get("counterparty")
    return party


@strawberry.type(
    description="A node of the risk graph a graph reason names: shown to bank staff only."
)
class GraphCounterparty:
    node_type: str = strawberry.field(
        resolver=_text("node_type"), description="enterprise, person, litigation or patent."
    )
    id: str = strawberry.field(
        resolver=_text("id"), description="Its identifier: the USCC of an enterprise."
    )
    name: str = strawberry.field(resolver=_text("name"), description="Its name.")


@strawberry.type(
    description="What raised graph risk most, when graph risk moved the decision (reached the "
    "policy's review or reject band): the relation kind, and to bank staff the counterparty."
)
class GraphDriver:
    code: str = strawberry.field(
        resolver=_text("code"),
        description="GRAPH_DRIVER, GRAPH_DRIVER_OWN_DATA (no relation raised it) or "
        "GRAPH_DRIVER_UNKNOWN (the graph model could not explain it).",
    )
    relation: str | None = strawberry.field(
        resolver=_relation,
        description="The relation kind (guarantees, supplies, holds_shares, officer_of, "
        "party_to_defendant, ...); null without one.",
    )
    description: str = strawberry.field(
        resolver=_text("description"),
        description="In words; applicants read the relation kind only.",
    )
    weight: float = strawberry.field(
        resolver=_weight, description="How much it added to graph risk, as a probability."
    )
    counterparty: GraphCounterparty | None = strawberry.field(
        resolver=_counterparty,
        description="The node it came through; null to applicants and without one.",
    )


@strawberry.type(description="The outcome of the automated or manual decision.")
class Decision:
    outcome: str = strawberry.field(
        resolver=_outcome, description="APPROVED, REJECTED or MANUAL_REVIEW."
    )
    approved_amount: Decimal | None = strawberry.field(
        resolver=_approved_amount, description="Amount offered, CNY."
    )
    annual_rate: float | None = strawberry.field(
        resolver=_annual_rate, description="Rate offered, after subsidy."
    )
    reasons: list[ReasonCode] = strawberry.field(
        resolver=resolvers.decision.decision_reasons,
        description="Why, in codes and words (applicants read no reviewer's words).",
    )
    graph_driver: GraphDriver | None = strawberry.field(
        resolver=resolvers.decision.graph_driver,
        description="When graph risk moved the decision, the relation (and, to bank staff, "
        "the counterparty) that raised it most; null otherwise.",
    )
    decided_by: str = strawberry.field(
        resolver=resolvers.decision.decided_by,
        description="model:<versions>, or the reviewers (`bank` to applicants).",
    )
    decided_at: datetime = strawberry.field(resolver=_decided_at, description="When.")
    data_refresh_ms: float | None = strawberry.field(
        resolver=resolvers.decision.data_refresh_ms,
        description="Milliseconds spent refreshing the applicant's data at assessment (pull, "
        "import, snapshot); staff only, null to applicants and where no refresh ran.",
    )


__all__ = ["Decision", "GraphCounterparty", "GraphDriver", "Record", "ReviewDecision"]
