"""Warnings, ingested events, contagion reports and dead letters as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

import resolvers.warning
from db import models as m
from domain.monitoring.shock import Exposed
from resolvers.ids import encode_cursor
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise
from schema.types.loan import Loan

WarningLevel = strawberry.enum(m.WarningLevel, name="WarningLevel", description="Severity.")
WarningStatus = strawberry.enum(
    m.WarningStatus, name="WarningStatus", description="Where staff are with a warning."
)


@strawberry.type(description="One link of a relation path.")
class PathStep:
    from_: str = strawberry.field(name="from", description="Where the link starts.")
    relation: str = strawberry.field(description="guarantees, supplies, party_to, concerns, ...")
    to: str = strawberry.field(description="Where the link ends.")


def _cursor(root: strawberry.Parent[m.RiskWarning]) -> str:
    return encode_cursor(root.id)


def _level(root: strawberry.Parent[m.RiskWarning]) -> WarningLevel:  # type: ignore[valid-type]
    return m.WarningLevel(root.level)


def _status(root: strawberry.Parent[m.RiskWarning]) -> WarningStatus:  # type: ignore[valid-type]
    return m.WarningStatus(root.status)


def _contagion_path(root: strawberry.Parent[m.RiskWarning], info: Info) -> list[PathStep]:
    if not resolvers.warning.sees_contagion_path(info):
        return []  # the path names other enterprises
    steps: list[dict[str, Any]] = root.contagion_path or []
    return [
        PathStep(from_=str(s.get("from")), relation=str(s.get("relation")), to=str(s.get("to")))
        for s in steps
    ]


@strawberry.type(name="Warning", description="A graded post-loan warning with its evidence.")
class RiskWarning:
    id: strawberry.ID = opaque_id("Warning")
    cursor: str = strawberry.field(
        resolver=_cursor, description="Pass as `after` to resume after this warning."
    )
    level: WarningLevel = strawberry.field(resolver=_level, description="YELLOW, ORANGE or RED.")  # type: ignore[valid-type]
    kind: str = strawberry.field(description="What kind of signal raised it.")
    message: str = strawberry.field(
        resolver=resolvers.warning.warning_message,
        description="For people (applicants: a contagion warning names no other enterprise).",
    )
    evidence: JSON = strawberry.field(
        resolver=resolvers.warning.warning_evidence,
        description="The events and indicator changes behind it (applicants: only figures "
        "about their own enterprise).",
    )
    contagion_path: list[PathStep] = strawberry.field(
        resolver=_contagion_path,
        description="How the source's trouble reaches this enterprise (staff only; empty "
        "for applicants).",
    )
    status: WarningStatus = strawberry.field(  # type: ignore[valid-type]
        resolver=_status, description="OPEN, ACKNOWLEDGED or RESOLVED."
    )
    created_at: datetime = strawberry.field(description="When it was raised.")
    enterprise: Enterprise = strawberry.field(
        resolver=resolvers.warning.warning_enterprise, description="The enterprise warned about."
    )
    loan: Loan | None = strawberry.field(
        resolver=resolvers.warning.warning_loan, description="The loan it concerns, if any."
    )
    contagion_source: Enterprise | None = strawberry.field(
        resolver=resolvers.warning.contagion_source,
        description="For a contagion warning: where the trouble started.",
    )


@strawberry.type(description="The result of a warning operation.")
class WarningPayload:
    warning: RiskWarning | None = strawberry.field(description="The warning.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="The result of ingesting an event.")
class IngestPayload:
    accepted: bool = strawberry.field(description="Stored now and queued for processing.")
    duplicate: bool = strawberry.field(
        description="The event id was already known: nothing changed."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.input(description="A signal about an enterprise, from staff or a data feed.")
class MonitoringEventInput:
    id: str = strawberry.field(description="Unique event id; replaying it changes nothing.")
    uscc: str = strawberry.field(description="The enterprise.")
    type: str = strawberry.field(description="An event type of the world format.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    payload: JSON = strawberry.field(description="What the type needs.")


def _exposure_path(root: strawberry.Parent[Exposed]) -> list[PathStep]:
    return [PathStep(from_=s.source, relation=s.relation, to=s.target) for s in root.path]


@strawberry.type(description="An enterprise exposed to a shock.")
class ExposedEnterprise:
    risk_before: float = strawberry.field(description="Graph risk before the shock.")
    risk_after: float = strawberry.field(description="Graph risk after the shock.")
    path: list[PathStep] = strawberry.field(
        resolver=_exposure_path, description="How it is linked to a shocked enterprise."
    )
    enterprise: Enterprise = strawberry.field(
        resolver=resolvers.warning.exposed_enterprise, description="The exposed enterprise."
    )


@strawberry.type(description="Who is exposed when the source enterprises default.")
class ContagionReport:
    exposed: list[ExposedEnterprise] = strawberry.field(description="Most affected first.")
    model_version: str = strawberry.field(description="The graph model used.")
    source: list[Enterprise] = strawberry.field(
        resolver=resolvers.warning.source, description="The shocked enterprises."
    )


@strawberry.type(description="An actor message that failed for good.")
class DeadLetter:
    actor: str = strawberry.field(description="The actor.")
    message_id: str = strawberry.field(description="The message.")
    args: JSON = strawberry.field(description="Its arguments.")
    error: str = strawberry.field(description="The last error.")
    failed_at: datetime = strawberry.field(description="When it gave up.")


__all__ = [
    "ContagionReport",
    "DeadLetter",
    "ExposedEnterprise",
    "IngestPayload",
    "MonitoringEventInput",
    "PathStep",
    "RiskWarning",
    "WarningLevel",
    "WarningPayload",
    "WarningStatus",
]
