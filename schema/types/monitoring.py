"""Warnings, contagion reports and dead letters as the API shows them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db import models as m
from domain.reads.lending import loans_by_ids
from schema.errors import UserError
from schema.ids import encode_cursor, encode_id
from schema.pagination import PageInfo
from schema.types.lending import Loan
from schema.types.world import Enterprise, ctx, load_enterprise

WarningLevel = strawberry.enum(m.WarningLevel, name="WarningLevel", description="Severity.")
WarningStatus = strawberry.enum(
    m.WarningStatus, name="WarningStatus", description="Where staff are with a warning."
)


@strawberry.type(description="One link of a relation path.")
class PathStep:
    from_: str = strawberry.field(name="from", description="Where the link starts.")
    relation: str = strawberry.field(description="guarantees, supplies, party_to, concerns, ...")
    to: str = strawberry.field(description="Where the link ends.")

    @classmethod
    def of(cls, step: dict[str, Any]) -> PathStep:
        """The API view of a stored step."""
        return cls(
            from_=str(step.get("from")), relation=str(step.get("relation")), to=str(step.get("to"))
        )


@strawberry.type(description="A graded post-loan warning with its evidence.")
class Warning:
    _m: strawberry.Private[m.RiskWarning]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    cursor: str = strawberry.field(description="Pass as `after` to resume after this warning.")
    level: WarningLevel = strawberry.field(description="YELLOW, ORANGE or RED.")  # type: ignore[valid-type]
    kind: str = strawberry.field(description="What kind of signal raised it.")
    message: str = strawberry.field(description="For people.")
    evidence: JSON = strawberry.field(description="The events and indicator changes behind it.")
    contagion_path: list[PathStep] = strawberry.field(
        description="How the source's trouble reaches this enterprise."
    )
    status: WarningStatus = strawberry.field(description="OPEN, ACKNOWLEDGED or RESOLVED.")  # type: ignore[valid-type]
    created_at: datetime = strawberry.field(description="When it was raised.")

    @classmethod
    def of(cls, r: m.RiskWarning) -> Warning:
        """The API view of a record."""
        return cls(
            _m=r,
            id=strawberry.ID(encode_id("Warning", r.id)),
            cursor=encode_cursor(r.id),
            level=m.WarningLevel(r.level),
            kind=r.kind,
            message=r.message,
            evidence=r.evidence,
            contagion_path=[PathStep.of(s) for s in r.contagion_path or []],
            status=m.WarningStatus(r.status),
            created_at=r.created_at,
        )

    @strawberry.field(description="The enterprise warned about.")
    async def enterprise(self, info: Info) -> Enterprise:
        ent = await load_enterprise(info, self._m.enterprise_id)
        assert ent is not None  # only warnings the caller may see are ever shown
        return ent

    @strawberry.field(description="The loan it concerns, if any.")
    async def loan(self, info: Info) -> Loan | None:
        if self._m.loan_id is None:
            return None
        r = await ctx(info).loader("loan", loans_by_ids).load(self._m.loan_id)
        return Loan.of(r) if r is not None else None

    @strawberry.field(description="For a contagion warning: where the trouble started.")
    async def contagion_source(self, info: Info) -> Enterprise | None:
        return await load_enterprise(info, self._m.contagion_source_id)


@strawberry.type(description="A warning in a list.")
class WarningEdge:
    cursor: str = strawberry.field(description="Cursor of this edge.")
    node: Warning = strawberry.field(description="The warning.")


@strawberry.type(description="A page of warnings.")
class WarningConnection:
    edges: list[WarningEdge] = strawberry.field(description="The page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="All matches, across pages.")


@strawberry.type(description="The result of a warning operation.")
class WarningPayload:
    warning: Warning | None = strawberry.field(description="The warning.")
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


@strawberry.type(description="An enterprise exposed to a shock.")
class ExposedEnterprise:
    _enterprise_id: strawberry.Private[int]
    risk_before: float = strawberry.field(description="Graph risk before the shock.")
    risk_after: float = strawberry.field(description="Graph risk after the shock.")
    path: list[PathStep] = strawberry.field(description="How it is linked to a shocked enterprise.")

    @strawberry.field(description="The exposed enterprise.")
    async def enterprise(self, info: Info) -> Enterprise:
        ent = await load_enterprise(info, self._enterprise_id)
        assert ent is not None  # staff only
        return ent


@strawberry.type(description="Who is exposed when the source enterprises default.")
class ContagionReport:
    _source_ids: strawberry.Private[tuple[int, ...]]
    exposed: list[ExposedEnterprise] = strawberry.field(description="Most affected first.")
    model_version: str = strawberry.field(description="The graph model used.")

    @strawberry.field(description="The shocked enterprises.")
    async def source(self, info: Info) -> list[Enterprise]:
        found = await asyncio.gather(*(load_enterprise(info, i) for i in self._source_ids))
        return [e for e in found if e is not None]


@strawberry.type(description="An actor message that failed for good.")
class DeadLetter:
    actor: str = strawberry.field(description="The actor.")
    message_id: str = strawberry.field(description="The message.")
    args: JSON = strawberry.field(description="Its arguments.")
    error: str = strawberry.field(description="The last error.")
    failed_at: datetime = strawberry.field(description="When it gave up.")
