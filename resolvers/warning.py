"""Warnings: lists, staff actions, ingested signals, contagion, dead letters, the live feed."""

# no `from __future__ import annotations`: strawberry cannot resolve a lazy input type of a
# resolver argument from a string annotation
import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db import models as m
from db.rows import Row
from domain.errors import DomainError
from domain.monitoring import disclosure, events
from domain.monitoring import warnings as service
from domain.monitoring.events import IngestResult
from domain.monitoring.feed import subscribe_warnings
from domain.monitoring.shock import Exposed, Report, simulate
from resolvers import columns
from resolvers.application import viewer_is_staff
from resolvers.connection import Page, after_key, page_args, page_of
from resolvers.context import ctx
from resolvers.enterprise import required_enterprise, visible_enterprise
from resolvers.errors import PayloadError, bad_request, forbidden, graphql_error, payload
from resolvers.ids import decode_id, decode_or_raise
from resolvers.selection import connection_selection, list_selection

if TYPE_CHECKING:
    from schema.types.warning import MonitoringEventInput


@dataclass(frozen=True)
class WarningPayload:
    """A warning after a staff action, or why the action failed."""

    warning: m.RiskWarning | None = None
    errors: list[PayloadError] = field(default_factory=list)


@dataclass(frozen=True)
class IngestPayload:
    """Whether an event was taken in, or why it was refused."""

    accepted: bool = False
    duplicate: bool = False
    errors: list[PayloadError] = field(default_factory=list)

    @classmethod
    def of(
        cls, result: IngestResult | None = None, *, errors: list[PayloadError] | None = None
    ) -> "IngestPayload":
        """The outcome of an ingest call's result, or of its errors."""
        if result is None:
            return cls(errors=errors or [])
        return cls(accepted=result.accepted, duplicate=result.duplicate)


async def warnings(
    info: Info,
    first: int | None = 20,
    after: str | None = None,
    min_level: m.WarningLevel | None = None,
    status: m.WarningStatus | None = None,
) -> Page[m.RiskWarning | Row]:
    """A page of the warnings the caller may see, newest first (the columns shown; counted
    when asked)."""
    principal = ctx(info).require()
    n, after_key = page_args(first, after)
    selection = connection_selection(info)
    found = await service.list_warnings(
        principal=principal,
        first=n,
        after_id=after_key,
        min_level=min_level,
        status=status,
        count=selection.count,
        columns=selection.columns(columns.WARNING),
    )
    return page_of(found.rows, n, found.total_count)


async def enterprise_warnings(
    root: strawberry.Parent[m.Enterprise],
    info: Info,
    first: int | None = 20,
    after: str | None = None,
) -> Page[m.RiskWarning | Row]:
    """A page of the warnings raised about an enterprise, oldest first (the columns shown;
    counted when asked)."""
    n, after_key = page_args(first, after)
    loaders = ctx(info).loaders
    selection = connection_selection(info)
    page = loaders.warning_page(n, after_key, selection.columns(columns.WARNING))
    rows: list[m.RiskWarning | Row] = list(await page.load(root.id))
    total = await loaders.warning_count.load(root.id) if selection.count else None
    return page_of(rows, n, total)


async def acknowledge_warning(info: Info, id: strawberry.ID) -> WarningPayload:
    """Staff have seen the warning."""
    principal = ctx(info).require_staff()
    return await payload(
        WarningPayload,
        lambda: service.acknowledge_warning(principal=principal, warning_id=_warning_key(id)),
    )


async def resolve_warning(info: Info, id: strawberry.ID, note: str) -> WarningPayload:
    """Close the warning with a note."""
    principal = ctx(info).require_staff()
    return await payload(
        WarningPayload,
        lambda: service.resolve_warning(
            principal=principal, warning_id=_warning_key(id), note=note
        ),
    )


def _warning_key(id: strawberry.ID) -> int:
    return decode_or_raise(str(id), "Warning", message="no such warning")


def _enterprise_key(id: strawberry.ID, field: str) -> int:
    return decode_or_raise(str(id), "Enterprise", field, message="no such enterprise")


async def ingest_event(
    info: Info,
    input: Annotated["MonitoringEventInput", strawberry.lazy("schema.types.warning")],
) -> IngestPayload:
    """Take in a signal from staff or a data feed."""
    principal = ctx(info).require()
    try:
        events.require_ingest_role(principal)
    except DomainError as exc:
        raise forbidden(exc.message) from None
    return await payload(
        IngestPayload.of,
        lambda: events.ingest_event(
            principal=principal,
            event_id=input.id,
            uscc=input.uscc,
            type=input.type,
            occurred_at=input.occurred_at,
            payload=input.payload,
            source="api",
        ),
    )


async def contagion(info: Info, enterprise_id: strawberry.ID, hops: int | None = 2) -> Report:
    """Who is exposed, and how, if this enterprise defaults (staff)."""
    principal = ctx(info).require_staff()
    try:
        return await simulate(
            principal=principal,
            enterprise_ids=[_enterprise_key(enterprise_id, "enterpriseId")],
            hops=2 if hops is None else hops,
        )
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def simulate_shock(info: Info, enterprise_ids: list[strawberry.ID]) -> Report:
    """What if these enterprises defaulted? Writes nothing (staff)."""
    principal = ctx(info).require_staff()
    try:
        keys = [_enterprise_key(i, "enterpriseIds") for i in enterprise_ids]
        return await simulate(principal=principal, enterprise_ids=keys)
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def dead_letters(
    info: Info, first: int | None = 20, after: str | None = None
) -> list[m.DeadLetter | Row]:
    """Actor messages that failed for good, newest first (staff; the columns shown)."""
    principal = ctx(info).require_staff()
    n, after_key = page_args(first, after)
    found = await service.list_dead_letters(
        principal=principal,
        first=n,
        after_id=after_key,
        count=False,
        columns=list_selection(info).columns(columns.DEAD_LETTER),
    )
    return found.rows[:n]


async def warnings_feed(
    info: Info,
    min_level: m.WarningLevel | None = None,
    enterprise_id: strawberry.ID | None = None,
    after: str | None = None,
) -> AsyncGenerator[m.RiskWarning, None]:
    """Warnings as they are raised; with `after`, first every one raised since that cursor."""
    principal = ctx(info).require()
    after_id = after_key(after)
    enterprise = None
    if enterprise_id is not None:
        enterprise = decode_id(str(enterprise_id), "Enterprise")
        if enterprise is None:
            raise bad_request("no such enterprise")
    feed = subscribe_warnings(
        principal=principal, after_id=after_id, min_level=min_level, enterprise_id=enterprise
    )
    try:
        async for warning in feed:
            yield warning
    except DomainError as exc:
        raise graphql_error(exc) from exc
    finally:
        await feed.aclose()


async def warning_enterprise(root: strawberry.Parent[m.RiskWarning], info: Info) -> m.Enterprise:
    """The enterprise warned about (the caller may see it: it may see the warning)."""
    return await required_enterprise(info, root.enterprise_id)  # type: ignore[attr-defined]


async def warning_loan(root: strawberry.Parent[m.RiskWarning], info: Info) -> m.Loan | None:
    """The loan a warning concerns, if any."""
    if root.loan_id is None:  # type: ignore[attr-defined]
        return None
    return await ctx(info).loaders.loan.load(root.loan_id)  # type: ignore[attr-defined]


async def contagion_source(
    root: strawberry.Parent[m.RiskWarning], info: Info
) -> m.Enterprise | None:
    """For a contagion warning: where the trouble started, when the caller may see it."""
    return await visible_enterprise(info, root.contagion_source_id)  # type: ignore[attr-defined]


async def exposed_enterprise(root: strawberry.Parent[Exposed], info: Info) -> m.Enterprise:
    """The exposed enterprise (contagion is for staff, who see every enterprise)."""
    return await required_enterprise(info, root.enterprise_id)


async def source(root: strawberry.Parent[Report], info: Info) -> list[m.Enterprise]:
    """The shocked enterprises."""
    found = await asyncio.gather(*(visible_enterprise(info, i) for i in root.source_ids))
    return [e for e in found if e is not None]


def warning_message(root: strawberry.Parent[m.RiskWarning], info: Info) -> str:
    """The message; an applicant's contagion warning names no other enterprise."""
    if viewer_is_staff(info):
        return root.message
    return disclosure.applicant_message(root.kind, root.message)


def warning_evidence(root: strawberry.Parent[m.RiskWarning], info: Info) -> JSON:
    """The evidence; an applicant's contagion warning keeps only figures about itself."""
    if viewer_is_staff(info):
        return cast(JSON, root.evidence)
    return cast(JSON, disclosure.applicant_evidence(root.kind, root.evidence))


def sees_contagion_path(info: Info) -> bool:
    """Whether the caller may read how trouble travels between enterprises (staff only)."""
    return viewer_is_staff(info)
