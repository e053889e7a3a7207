"""Maker-checker activation of model and decision-policy versions, and decision replays."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

import resolvers.governance
from db import models as m
from domain.models_governance import Kind, Status
from resolvers.ids import encode_id
from schema.errors import UserError

ActivationKind = strawberry.enum(Kind, name="ActivationKind", description="MODEL or POLICY.")
ActivationStatus = strawberry.enum(
    Status, name="ActivationStatus", description="Only PENDING requests can still be decided."
)


def _id(root: strawberry.Parent[m.ActivationRequest]) -> strawberry.ID:
    return strawberry.ID(encode_id("ActivationRequest", root.id))


@strawberry.type(description="A request to put a model or policy version in service.")
class ActivationRequest:
    id: strawberry.ID = strawberry.field(resolver=_id, description="Opaque id.")
    kind: str = strawberry.field(description="MODEL or POLICY.")
    name: str = strawberry.field(description="The model (scorecard, gnn, ...) or `decision`.")
    version: str = strawberry.field(description="The version asked for.")
    status: str = strawberry.field(description="PENDING, APPROVED, REJECTED or SUPERSEDED.")
    reason: str = strawberry.field(description="Why the requester asks.")
    evidence: JSON = strawberry.field(
        description="What the requester saw: the candidate's and the incumbent's figures."
    )
    requested_by: str = strawberry.field(description="Who asked (maker).")
    requested_at: datetime = strawberry.field(description="When.")
    decided_by: str | None = strawberry.field(description="Who decided (checker).")
    decided_at: datetime | None = strawberry.field(description="When it was decided.")
    decision_comment: str | None = strawberry.field(description="The checker's comment.")


@strawberry.type(description="The result of an activation operation.")
class ActivationPayload:
    request: ActivationRequest | None = strawberry.field(description="The request.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="A field whose replayed value differs from the stored one.")
class FieldDifference:
    field: str = strawberry.field(description="Dotted path, e.g. `limit.limit`.")
    stored: str | None = strawberry.field(description="The stored value, as text.")
    replayed: str | None = strawberry.field(description="The recomputed value, as text.")


@strawberry.type(description="A stored decision recomputed from its inputs and versions.")
class DecisionReplay:
    same: bool = strawberry.field(description="True when no field differs.")
    policy_version: str = strawberry.field(description="The policy version it used.")
    model_versions: JSON = strawberry.field(description="Every model version it used.")
    differences: list[FieldDifference] = strawberry.field(description="What differs.")
    notes: list[str] = strawberry.field(description="What could not be replayed, and why.")
    stored: JSON = strawberry.field(description="The stored decision (the model's part).")
    replayed: JSON = strawberry.field(description="The recomputed decision.")


@strawberry.type
class GovernanceQuery:
    activation_requests: list[ActivationRequest] = strawberry.field(  # type: ignore[assignment]
        resolver=resolvers.governance.activation_requests,
        description="Requests to activate model or policy versions, newest first (staff).",
    )
    replay_decision: DecisionReplay = strawberry.field(
        resolver=resolvers.governance.replay_decision,
        description="Recompute a stored decision from its recorded inputs with the policy and "
        "scorecard versions it used, and list every field that differs (staff).",
    )


@strawberry.type
class GovernanceMutation:
    request_activation: ActivationPayload = strawberry.mutation(
        resolver=resolvers.governance.request_activation,
        description="Ask for a model or decision-policy version to be put in service (risk "
        "manager or admin). Another risk manager must approve it.",
    )
    approve_activation: ActivationPayload = strawberry.mutation(
        resolver=resolvers.governance.approve_activation,
        description="Approve a pending request (a risk manager other than the requester): the "
        "version goes in service and other pending requests for it are SUPERSEDED.",
    )
    reject_activation: ActivationPayload = strawberry.mutation(
        resolver=resolvers.governance.reject_activation,
        description="Reject a pending request with a comment (a risk manager other than the "
        "requester); nothing changes in service.",
    )


__all__ = ["GovernanceMutation", "GovernanceQuery"]
