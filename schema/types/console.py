"""What the staff console reads: work-queue rows, reviews, decision breakdowns, audit entries
and drawable neighbourhoods."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

import resolvers.console_api as api
from db import models as m
from domain.decision import ReviewDecision as Verdict
from schema.fields import opaque_id
from schema.types.decision import GraphCounterparty, ReviewDecision
from schema.types.risk_score import ReasonCode
from schema.types.user import Role

if TYPE_CHECKING:
    from schema.types.application import LoanApplication


@strawberry.type(description="A loan officer or risk manager: who can hold an application.")
class StaffUser:
    id: strawberry.ID = opaque_id("User")
    email: str = strawberry.field(description="Login email.")
    role: Role = strawberry.field(description="LOAN_OFFICER or RISK_MANAGER.")  # type: ignore[valid-type]


def _decision(root: strawberry.Parent[Any]) -> Any:
    return Verdict(root.decision)


def _role(root: strawberry.Parent[Any]) -> Any:
    return m.Role(root.role)


@strawberry.type(description="A staff review of an application in manual review.")
class Review:
    reviewer: str = strawberry.field(
        resolver=api.review_reviewer, description="The reviewer's email."
    )
    role: Role = strawberry.field(resolver=_role, description="The reviewer's role then.")  # type: ignore[valid-type]
    decision: ReviewDecision = strawberry.field(resolver=_decision, description="The verdict.")  # type: ignore[valid-type]
    comment: str = strawberry.field(description="The reviewer's words.")
    at: datetime = strawberry.field(description="When.")


def _application(root: strawberry.Parent[api.QueueRow]) -> Any:
    return root.application


@strawberry.type(description="An application in a work list, with what its row shows.")
class QueueItem:
    application: Annotated[LoanApplication, strawberry.lazy("schema.types.application")] = (
        strawberry.field(resolver=_application, description="The application.")
    )
    waiting_since: datetime = strawberry.field(
        resolver=lambda root: root.facts.waiting_since,
        description="When it was referred to a person.",
    )
    age_hours: float = strawberry.field(
        resolver=api.row_age_hours, description="Hours since it was referred to a person."
    )
    amount: Decimal = strawberry.field(
        resolver=lambda root: root.application.amount, description="Amount requested, CNY."
    )
    proposed_amount: Decimal | None = strawberry.field(
        resolver=lambda root: root.facts.proposed_amount,
        description="The model's proposal, CNY (null without one).",
    )
    grade: str | None = strawberry.field(
        resolver=lambda root: root.facts.grade,
        description="The credit grade the decision used (null when it could not score).",
    )
    graph_risk: float | None = strawberry.field(
        resolver=lambda root: root.facts.graph_risk,
        description="The graph risk the decision used (null without a graph model).",
    )
    assignee: StaffUser | None = strawberry.field(
        resolver=api.row_assignee, description="Who holds it; null when nobody does."
    )
    mine: bool = strawberry.field(resolver=api.row_mine, description="Whether you hold it.")


@strawberry.type(description="An admission or anti-fraud rule that fired.")
class RuleHit:
    code: str = strawberry.field(description="Stable code.")
    kind: str = strawberry.field(description="admission or antifraud.")
    action: str = strawberry.field(description="reject or review.")
    description: str = strawberry.field(description="In words.")


@strawberry.type(description="The credit scorecard's result.")
class Scorecard:
    score: int = strawberry.field(description="Scorecard points (higher is safer).")
    grade: str = strawberry.field(description="Grade band.")
    probability_of_default: float = strawberry.field(description="12-month probability.")
    reasons: list[ReasonCode] = strawberry.field(
        resolver=lambda root: list(root.reasons),
        description="Reason codes: the features that cost the most points (weight: points).",
    )


@strawberry.type(description="A pledged patent's value as the decision used it.")
class PledgedPatentValue:
    patent_number: str = strawberry.field(description="The patent.")
    pledge_value: Decimal = strawberry.field(description="Pledge value the decision used, CNY.")
    value: Decimal | None = strawberry.field(
        resolver=api.valuation_part("value"), description="Estimated value, CNY."
    )
    low: Decimal | None = strawberry.field(
        resolver=api.valuation_part("low"), description="Lower end of the value interval."
    )
    high: Decimal | None = strawberry.field(
        resolver=api.valuation_part("high"), description="Upper end of the value interval."
    )
    method: str | None = strawberry.field(
        resolver=api.pledge_method, description="Valuation method and model version."
    )


def _counterparty(root: strawberry.Parent[Any]) -> Any:
    party = root.counterparty
    return None if party is None else party.to_dict()


@strawberry.type(description="A relation that moved graph risk, as recorded with the decision.")
class GraphRelation:
    status: str = strawberry.field(
        description="FOUND (a relation raised it), OWN_DATA (the enterprise's own data did) or "
        "UNAVAILABLE (the graph model could not explain it)."
    )
    relation: str | None = strawberry.field(description="The relation kind.")
    relation_words: str | None = strawberry.field(description="The relation in words.")
    counterparty: GraphCounterparty | None = strawberry.field(
        resolver=_counterparty, description="The node it came through."
    )
    delta: float = strawberry.field(description="What it added to graph risk (probability).")
    model_version: str | None = strawberry.field(description="The graph model's version.")


@strawberry.type(description="Graph risk in a decision: value, policy bands, what moved it.")
class GraphRiskBreakdown:
    value: float | None = strawberry.field(description="Graph risk (null without a model).")
    used: bool = strawberry.field(description="Whether the decision used graph risk.")
    review_at: float | None = strawberry.field(description="The policy's review threshold.")
    reject_at: float | None = strawberry.field(description="The policy's reject threshold.")
    relations: list[GraphRelation] = strawberry.field(
        resolver=lambda root: list(root.drivers),
        description="The relations that moved it (recorded when it reached the review band).",
    )
    reasons: list[ReasonCode] = strawberry.field(
        resolver=lambda root: list(root.reasons), description="The decision's graph reasons."
    )


def _part(name: str) -> Any:
    def resolve(root: strawberry.Parent[Any]) -> Any:
        return root.get(name)

    return resolve


def _rate(name: str) -> Any:
    def resolve(root: strawberry.Parent[Any]) -> float | None:
        value = root.get(name)
        return None if value is None else float(value)

    return resolve


@strawberry.type(description="The cell of the policy's grade x amount matrix.")
class PolicyCell:
    grade: str = strawberry.field(resolver=_part("grade"), description="Grade.")
    band: str = strawberry.field(resolver=_part("band"), description="Amount band.")
    action: str = strawberry.field(
        resolver=_part("action"), description="APPROVE, REVIEW or REJECT."
    )


@strawberry.type(description="How the credit limit came about, CNY.")
class LimitBreakdown:
    pledge_component: Decimal | None = strawberry.field(
        resolver=_part("pledge_component"), description="From the pledge value."
    )
    credit_component: Decimal | None = strawberry.field(
        resolver=_part("credit_component"), description="From revenue (credit products)."
    )
    revenue_cap: Decimal | None = strawberry.field(
        resolver=_part("revenue_cap"), description="The revenue cap."
    )
    product_max: Decimal | None = strawberry.field(
        resolver=_part("product_max"), description="The product maximum."
    )
    limit: Decimal | None = strawberry.field(resolver=_part("limit"), description="The limit.")


@strawberry.type(description="How the rate came about (annual, as fractions).")
class PricingBreakdown:
    base_rate: float | None = strawberry.field(resolver=_rate("base_rate"), description="Base.")
    grade_spread: float | None = strawberry.field(
        resolver=_rate("grade_spread"), description="The grade's spread."
    )
    bank_rate: float | None = strawberry.field(
        resolver=_rate("bank_rate"), description="The bank's rate (floored)."
    )
    subsidy_rate: float | None = strawberry.field(
        resolver=_rate("subsidy_rate"), description="The subsidy."
    )
    annual_rate: float | None = strawberry.field(
        resolver=_rate("annual_rate"), description="The borrower's rate."
    )


@strawberry.type(description="A stored decision in parts, for a reviewer (bank staff).")
class DecisionBreakdown:
    outcome: str = strawberry.field(description="APPROVED, REJECTED or MANUAL_REVIEW.")
    model_outcome: str | None = strawberry.field(
        description="What the model proposed, when a person decided."
    )
    policy_version: str | None = strawberry.field(description="The decision policy version.")
    model_versions: JSON = strawberry.field(description="Versions of every model used.")
    rules_hit: list[RuleHit] = strawberry.field(
        resolver=lambda root: list(root.rules_hit), description="Rules that fired."
    )
    scorecard: Scorecard | None = strawberry.field(
        description="The scorecard's result (null when it could not score)."
    )
    pledged_patents: list[PledgedPatentValue] = strawberry.field(
        resolver=lambda root: list(root.pledges),
        description="Each pledged patent's value with interval and pledge value.",
    )
    graph_risk: GraphRiskBreakdown = strawberry.field(description="Graph risk.")
    policy_cell: PolicyCell | None = strawberry.field(description="The policy matrix cell.")
    limit: LimitBreakdown | None = strawberry.field(description="The credit limit.")
    pricing: PricingBreakdown | None = strawberry.field(description="The price.")


def _data(root: strawberry.Parent[Any]) -> Any:
    return root.data


@strawberry.type(description="One entry of the audit log: who did what to a record.")
class AuditEntry:
    seq: int = strawberry.field(description="Place in the hash chain.")
    at: datetime = strawberry.field(description="When.")
    actor: str = strawberry.field(description="user:<email>, model:<versions> or system:<task>.")
    action: str = strawberry.field(description="What was done, e.g. application.claim.")
    data: JSON = strawberry.field(resolver=_data, description="The details recorded.")
    request_id: str | None = strawberry.field(description="The request that did it.")


@strawberry.type(description="A node of a neighbourhood graph.")
class GraphNode:
    id: str = strawberry.field(description="Natural key: a USCC or a person id.")
    kind: str = strawberry.field(description="ENTERPRISE, PERSON or OTHER.")
    label: str = strawberry.field(description="Name.")
    risk: float | None = strawberry.field(
        description="An enterprise's latest graph risk (else its probability of default)."
    )
    hops: int = strawberry.field(description="Links from the centre.")
    enterprise_id: strawberry.ID | None = strawberry.field(
        resolver=api.node_enterprise_id, description="The enterprise's opaque id."
    )


@strawberry.type(description="A relation between two nodes, in its own direction.")
class GraphEdge:
    source: str = strawberry.field(description="From (a node id).")
    target: str = strawberry.field(description="To (a node id).")
    kind: str = strawberry.field(description="guarantee, shareholding, supply or officer.")


@strawberry.type(description="The nodes within some links of an enterprise, bounded in size.")
class Neighbourhood:
    centre: str = strawberry.field(description="The centre's USCC.")
    hops: int = strawberry.field(description="How far it reaches.")
    nodes: list[GraphNode] = strawberry.field(
        resolver=lambda root: list(root.nodes), description="Nodes, nearest first."
    )
    edges: list[GraphEdge] = strawberry.field(
        resolver=lambda root: list(root.edges), description="Relations among the nodes."
    )
    truncated: bool = strawberry.field(description="True when the size bound cut it short.")


__all__ = [
    "AuditEntry",
    "DecisionBreakdown",
    "GraphEdge",
    "GraphNode",
    "Neighbourhood",
    "QueueItem",
    "Review",
    "StaffUser",
]
