"""Maker-checker activation of model and policy versions, and replays of stored decisions."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from strawberry.types import Info

from db import models as m
from domain import models_governance as governance
from domain.accounts.principal import Principal
from domain.errors import DomainError
from domain.models_governance.activation import CHECKERS
from domain.models_governance.replay import DecisionReplay, replay_application
from resolvers.context import ctx
from resolvers.errors import PayloadError, graphql_error, payload
from resolvers.ids import decode_or_raise


@dataclass
class ActivationPayload:
    """What an activation mutation returns: the request, or why not."""

    request: m.ActivationRequest | None = None
    errors: list[PayloadError] = field(default_factory=list)


def _request_id(principal: Principal, id: strawberry.ID) -> int:
    # the role first: a caller who may not decide learns nothing about which ids exist
    principal.require_role(*CHECKERS)
    return decode_or_raise(str(id), "ActivationRequest", "id")


async def request_activation(
    info: Info, kind: governance.Kind, name: str, version: str, reason: str = ""
) -> ActivationPayload:
    """Ask for a model or policy version to be put in service (risk managers)."""
    principal = ctx(info).require()
    return await payload(
        ActivationPayload,
        lambda: governance.request_activation(
            principal=principal, kind=kind, name=name, version=version, reason=reason
        ),
    )


async def approve_activation(info: Info, id: strawberry.ID, comment: str = "") -> ActivationPayload:
    """A second risk manager approves; the version goes in service."""
    principal = ctx(info).require()
    return await payload(
        ActivationPayload,
        lambda: governance.approve_activation(
            principal=principal, request_id=_request_id(principal, id), comment=comment
        ),
    )


async def reject_activation(info: Info, id: strawberry.ID, comment: str) -> ActivationPayload:
    """A second risk manager rejects; nothing changes in service."""
    principal = ctx(info).require()
    return await payload(
        ActivationPayload,
        lambda: governance.reject_activation(
            principal=principal, request_id=_request_id(principal, id), comment=comment
        ),
    )


async def activation_requests(
    info: Info, status: governance.Status | None = None, first: int = 50
) -> list[m.ActivationRequest]:
    """Activation requests, newest first (staff)."""
    principal = ctx(info).require_staff()
    try:
        return await governance.list_requests(principal=principal, status=status, first=first)
    except DomainError as exc:
        raise graphql_error(exc) from None


async def replay_decision(info: Info, application_id: strawberry.ID) -> DecisionReplay:
    """Recompute a stored decision and show what differs (staff)."""
    ctx(info).require_staff()
    try:
        pk = decode_or_raise(str(application_id), "LoanApplication", "applicationId")
        return await replay_application(application_id=pk)
    except DomainError as exc:
        raise graphql_error(exc) from None


__all__ = [
    "ActivationPayload",
    "activation_requests",
    "approve_activation",
    "reject_activation",
    "replay_decision",
    "request_activation",
]
