"""Monitoring: warnings, events, contagion, and the live subscriptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable

import strawberry
from strawberry.types import Info

from db import models as m
from domain import graph_risk
from domain.errors import DomainError, NotFound
from domain.monitoring import warnings as service
from schema.errors import bad_request, user_errors
from schema.ids import decode_cursor, decode_id, encode_cursor
from schema.pagination import page_args, slice_page
from schema.types.lending import LoanApplication
from schema.types.monitoring import (
    ContagionReport,
    DeadLetter,
    ExposedEnterprise,
    IngestPayload,
    MonitoringEventInput,
    PathStep,
    Warning,
    WarningConnection,
    WarningEdge,
    WarningLevel,
    WarningPayload,
    WarningStatus,
)
from schema.types.world import ctx


def warning_connection(rows: list[m.RiskWarning], first: int, total: int) -> WarningConnection:
    """A connection from up to first+1 rows."""
    page, page_info = slice_page(rows, first, lambda r: r.id)
    return WarningConnection(
        edges=[WarningEdge(cursor=encode_cursor(r.id), node=Warning.of(r)) for r in page],
        page_info=page_info,
        total_count=total,
    )


def report_of(r: graph_risk.Report) -> ContagionReport:
    """The API view of a contagion report."""
    return ContagionReport(
        _source_ids=r.source_ids,
        exposed=[
            ExposedEnterprise(
                _enterprise_id=e.enterprise_id,
                risk_before=e.risk_before,
                risk_after=e.risk_after,
                path=[PathStep(from_=s.source, relation=s.relation, to=s.target) for s in e.path],
            )
            for e in r.exposed
        ],
        model_version=r.model_version,
    )


def _graphql_error(exc: DomainError) -> Exception:
    from graphql import GraphQLError

    from schema.limits.errors import top_level_code

    return GraphQLError(
        exc.message, extensions={"code": top_level_code(exc), "reason": exc.code.value}
    )


@strawberry.type
class MonitoringQuery:
    @strawberry.field(description="Warnings the caller may see, newest first.")
    async def warnings(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        min_level: WarningLevel | None = None,  # type: ignore[valid-type]
        status: WarningStatus | None = None,  # type: ignore[valid-type]
    ) -> WarningConnection:
        principal = ctx(info).require()
        n, after_key = page_args(first, after)
        page = await service.list_warnings(
            principal=principal, first=n, after_id=after_key, min_level=min_level, status=status
        )
        return warning_connection(page.rows, n, page.total_count)

    @strawberry.field(description="Who is exposed, and how, if this enterprise defaults (staff).")
    async def contagion(
        self, info: Info, enterprise_id: strawberry.ID, hops: int | None = 2
    ) -> ContagionReport:
        principal = ctx(info).require_staff()
        pk = decode_id(str(enterprise_id), "Enterprise")
        try:
            if pk is None:
                raise NotFound("no such enterprise", field="enterpriseId")
            report = await graph_risk.simulate(
                principal=principal, enterprise_ids=[pk], hops=2 if hops is None else hops
            )
        except DomainError as exc:
            raise _graphql_error(exc) from exc
        return report_of(report)

    @strawberry.field(description="Actor messages that failed for good (staff).")
    async def dead_letters(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> list[DeadLetter]:
        principal = ctx(info).require_staff()
        n, after_key = page_args(first, after)
        page = await service.list_dead_letters(principal=principal, first=n, after_id=after_key)
        return [
            DeadLetter(
                actor=d.actor,
                message_id=d.message_id,
                args=d.args,
                error=d.error,
                failed_at=d.failed_at,
            )
            for d in page.rows[:n]
        ]


async def warning_payload(call: Callable[[], Awaitable[m.RiskWarning]]) -> WarningPayload:
    """Run a warning operation; expected failures become payload errors."""
    try:
        warning = await call()
    except DomainError as exc:
        return WarningPayload(warning=None, errors=user_errors(exc))
    return WarningPayload(warning=Warning.of(warning), errors=[])


def _warning_key(id: strawberry.ID) -> int:
    pk = decode_id(str(id), "Warning")
    if pk is None:
        raise NotFound("no such warning", field="id")
    return pk


@strawberry.type
class MonitoringMutation:
    @strawberry.mutation(description="Take in a signal (staff or a data feed's service account).")
    async def ingest_event(self, info: Info, input: MonitoringEventInput) -> IngestPayload:
        from domain.monitoring.events import ingest_event

        principal = ctx(info).require()
        if principal.role not in (
            m.Role.SERVICE,
            m.Role.LOAN_OFFICER,
            m.Role.RISK_MANAGER,
            m.Role.ADMIN,
        ):
            from schema.errors import forbidden

            raise forbidden("events come from staff or a data feed")
        try:
            result = await ingest_event(
                principal=principal,
                event_id=input.id,
                uscc=input.uscc,
                type=input.type,
                occurred_at=input.occurred_at,
                payload=input.payload,
                source="api",
            )
        except DomainError as exc:
            return IngestPayload(accepted=False, duplicate=False, errors=user_errors(exc))
        return IngestPayload(accepted=result.accepted, duplicate=result.duplicate, errors=[])

    @strawberry.mutation(description="Staff have seen the warning.")
    async def acknowledge_warning(self, info: Info, id: strawberry.ID) -> WarningPayload:
        principal = ctx(info).require_staff()
        return await warning_payload(
            lambda: service.acknowledge_warning(principal=principal, warning_id=_warning_key(id))
        )

    @strawberry.mutation(description="Close the warning with a note.")
    async def resolve_warning(self, info: Info, id: strawberry.ID, note: str) -> WarningPayload:
        principal = ctx(info).require_staff()
        return await warning_payload(
            lambda: service.resolve_warning(
                principal=principal, warning_id=_warning_key(id), note=note
            )
        )

    @strawberry.mutation(description="What if these enterprises defaulted? (staff; writes nothing)")
    async def simulate_shock(
        self, info: Info, enterprise_ids: list[strawberry.ID]
    ) -> ContagionReport:
        principal = ctx(info).require_staff()
        keys = [decode_id(str(i), "Enterprise") for i in enterprise_ids]
        try:
            if any(k is None for k in keys):
                raise NotFound("no such enterprise", field="enterpriseIds")
            report = await graph_risk.simulate(
                principal=principal, enterprise_ids=[k for k in keys if k is not None]
            )
        except DomainError as exc:
            raise _graphql_error(exc) from exc
        return report_of(report)


@strawberry.type(description="Live feeds over graphql-transport-ws.")
class Subscription:
    @strawberry.subscription(
        description="Warnings as they are raised. With `after` (a warning cursor), first replays "
        "every warning the caller may see that was raised after it, then goes live: a client "
        "that reconnects misses nothing."
    )
    async def warnings(
        self,
        info: Info,
        min_level: WarningLevel | None = None,  # type: ignore[valid-type]
        enterprise_id: strawberry.ID | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[Warning, None]:
        from domain.monitoring.feed import subscribe_warnings

        principal = ctx(info).require()
        try:
            after_id = decode_cursor(after)
        except ValueError:
            raise bad_request("malformed cursor") from None
        ent = None
        if enterprise_id is not None:
            ent = decode_id(str(enterprise_id), "Enterprise")
            if ent is None:
                raise bad_request("no such enterprise")
        feed = subscribe_warnings(
            principal=principal, after_id=after_id, min_level=min_level, enterprise_id=ent
        )
        try:
            async for warning in feed:
                yield Warning.of(warning)
        except DomainError as exc:
            raise _graphql_error(exc) from exc
        finally:
            await feed.aclose()

    @strawberry.subscription(description="An application each time its status changes.")
    async def application_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[LoanApplication, None]:
        from domain.monitoring.feed import subscribe_application_updates

        principal = ctx(info).require()
        pk = decode_id(str(id), "LoanApplication")
        if pk is None:
            raise _graphql_error(NotFound("no such application", field="id"))
        feed = subscribe_application_updates(principal=principal, application_id=pk)
        try:
            async for app in feed:
                yield LoanApplication.of(app)
        except DomainError as exc:
            raise _graphql_error(exc) from exc
        finally:
            await feed.aclose()
