"""The staff console's reads and writes: the work queue, the four-eyes inbox, reviews, the
decision breakdown, audit trails and drawable neighbourhoods. Thin: arguments in, one domain
call, records out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from db import models as m
from domain.applications import queue
from domain.audit.trail import trail_page
from domain.decision.breakdown import Breakdown, PledgeLine, breakdown
from domain.decision.record import is_decided
from domain.enterprise.neighbourhood import GraphNode, Neighbourhood, check_hops
from domain.errors import DomainError
from resolvers.application import ApplicationPayload
from resolvers.connection import Page, page_args, page_of
from resolvers.context import ctx
from resolvers.errors import graphql_error, payload
from resolvers.ids import decode_id, decode_or_raise, encode_id, type_of_id
from resolvers.selection import connection_selection

# API type name -> the audit log's name for that kind of record
AUDITED_TYPES: dict[str, str] = {
    "LoanApplication": "loan_application",
    "Loan": "loan",
    "Enterprise": "enterprise",
    "Contract": "contract",
    "CreditLine": "credit_line",
    "Guarantee": "guarantee",
    "GuaranteeClaim": "guarantee_claim",
    "Warning": "risk_warning",
    "SubsidyClaim": "subsidy_claim",
    "Consent": "consent",
    "User": "user",
    "Patent": "patent",
    "ActivationRequest": "ActivationRequest",
}


@dataclass(frozen=True)
class QueueRow:
    """An application in a work list and what its row shows."""

    id: int
    application: m.LoanApplication
    facts: queue.QueueFacts
    now: datetime


def _staff(info: Info) -> bool:
    principal = ctx(info).principal
    return principal is not None and principal.is_staff


async def claim_application(info: Info, application_id: strawberry.ID) -> ApplicationPayload:
    """Take an application in manual review."""
    principal = ctx(info).require_staff()
    return await payload(
        ApplicationPayload,
        lambda: queue.claim_application(
            principal=principal,
            application_id=decode_or_raise(str(application_id), "LoanApplication",
                                           field="applicationId"),
        ),
    )  # fmt: skip


async def assign_application(
    info: Info, application_id: strawberry.ID, user_email: str
) -> ApplicationPayload:
    """Hand an application in manual review to a colleague."""
    principal = ctx(info).require_staff()
    return await payload(
        ApplicationPayload,
        lambda: queue.assign_application(
            principal=principal,
            application_id=decode_or_raise(str(application_id), "LoanApplication",
                                           field="applicationId"),
            user_email=user_email,
        ),
    )  # fmt: skip


async def _queue_page(
    info: Info, query: Any, first: int | None, after: str | None
) -> Page[QueueRow]:
    n, after_key = page_args(first, after)
    found = await queue.page_of_queue(
        query, first=n, after_id=after_key, count=connection_selection(info).count
    )
    now = datetime.now(UTC)
    rows = [
        QueueRow(a.id, a, queue.queue_facts(a), now)
        for a in found.rows
        if isinstance(a, m.LoanApplication)
    ]
    return page_of(rows, n, found.total_count)


async def my_queue(
    info: Info, first: int | None = 50, after: str | None = None, only_mine: bool = False
) -> Page[QueueRow]:
    """Applications awaiting a first review: the caller's and nobody's, oldest first."""
    principal = ctx(info).require_staff()
    try:
        query = queue.my_queue(principal=principal, only_mine=only_mine)
    except DomainError as exc:
        raise graphql_error(exc) from exc
    return await _queue_page(info, query, first, after)


async def awaiting_second_approval(
    info: Info, first: int | None = 50, after: str | None = None
) -> Page[QueueRow]:
    """The four-eyes inbox, oldest first."""
    principal = ctx(info).require_staff()
    try:
        query = queue.awaiting_second_approval(principal=principal)
    except DomainError as exc:
        raise graphql_error(exc) from exc
    return await _queue_page(info, query, first, after)


async def staff_users(info: Info, role: m.Role | None = None) -> list[m.User]:
    """Loan officers and risk managers, to assign applications to."""
    principal = ctx(info).require_staff()
    try:
        return await queue.staff_users(principal=principal, role=role)
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def audit_trail(
    info: Info,
    entity_id: strawberry.ID,
    entity_type: str | None = None,
    first: int | None = 20,
    after: str | None = None,
) -> Page[m.AuditEntry]:
    """Who did what to one record, oldest first (the record's type is read off its opaque id
    unless `entity_type` names it)."""
    principal = ctx(info).require_staff()
    n, after_key = page_args(first, after)
    if entity_type is None:
        entity_type = type_of_id(str(entity_id)) or ""
    kind = AUDITED_TYPES.get(entity_type)
    try:
        if kind is None:
            known = ", ".join(sorted(AUDITED_TYPES))
            raise DomainError(f"entityType must be one of {known}", field="entityType")
        pk = decode_id(str(entity_id), entity_type)
        if pk is None:
            raise DomainError(f"entityId is not the id of a {entity_type}", field="entityId")
        found = await trail_page(
            principal=principal, entity_type=kind, entity_id=pk, first=n, after_id=after_key,
            count=connection_selection(info).count,
        )  # fmt: skip
    except DomainError as exc:
        raise graphql_error(exc) from exc
    rows = [r for r in found.rows if isinstance(r, m.AuditEntry)]
    return page_of(rows, n, found.total_count)


# queue rows
def row_age_hours(root: strawberry.Parent[QueueRow]) -> float:
    """Hours since the application was referred to a person."""
    return root.facts.age_hours(root.now)


async def row_assignee(root: strawberry.Parent[QueueRow], info: Info) -> m.User | None:
    """Who holds the application."""
    return await application_assignee(root.application, info)


def row_mine(root: strawberry.Parent[QueueRow], info: Info) -> bool:
    """Whether the caller holds it."""
    principal = ctx(info).principal
    held = root.application.assigned_to_id
    return principal is not None and held is not None and held == principal.user_id


# fields of an application, for staff
async def application_assignee(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> m.User | None:
    """The staff member holding the application; null to others and when nobody does."""
    held = getattr(root, "assigned_to_id", None)
    if held is None or not _staff(info):
        return None
    return await ctx(info).loaders.user.load(held)


def application_assigned_at(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> datetime | None:
    """When the holder took it (staff only)."""
    return getattr(root, "assigned_at", None) if _staff(info) else None


async def application_reviews(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> list[m.Review]:
    """Every review with its comment, oldest first (staff only: empty to others)."""
    if not _staff(info):
        return []
    return await ctx(info).loaders.application_reviews.load(root.id)


def decision_breakdown(root: strawberry.Parent[m.LoanApplication], info: Info) -> Breakdown | None:
    """The stored decision in parts (staff only); null before a decision."""
    if not _staff(info) or not is_decided(root):
        return None
    return breakdown(root.decision)


def review_reviewer(root: strawberry.Parent[m.Review]) -> str:
    """The reviewer's email."""
    return str(root.reviewer.email)


async def pledge_valuation(root: strawberry.Parent[PledgeLine], info: Info) -> m.Valuation | None:
    """The valuation the decision used for this patent."""
    if root.valuation_id is None:
        return None
    return await ctx(info).loaders.valuation.load(root.valuation_id)


def valuation_part(name: str) -> Any:
    """A resolver of one figure of the valuation behind a pledge line (after the loader)."""

    async def resolve(root: strawberry.Parent[PledgeLine], info: Info) -> Decimal | None:
        found = await pledge_valuation(root, info)
        return None if found is None else Decimal(str(getattr(found, name)))

    return resolve


async def pledge_method(root: strawberry.Parent[PledgeLine], info: Info) -> str | None:
    """The valuation method and model version."""
    found = await pledge_valuation(root, info)
    return None if found is None else f"{found.method} {found.model_version}"


# neighbourhoods
async def enterprise_neighbourhood(
    root: strawberry.Parent[m.Enterprise], info: Info, hops: int = 2
) -> Neighbourhood | None:
    """The enterprise's neighbourhood (staff only: null to others)."""
    if not _staff(info):
        return None
    try:
        check_hops(hops)
    except DomainError as exc:
        raise graphql_error(exc) from exc
    return await ctx(info).loaders.neighbourhood(hops).load(root.id)


def node_enterprise_id(root: strawberry.Parent[GraphNode]) -> strawberry.ID | None:
    """The opaque enterprise id of an enterprise node."""
    if root.enterprise_id is None:
        return None
    return strawberry.ID(encode_id("Enterprise", root.enterprise_id))


__all__ = [
    "AUDITED_TYPES",
    "QueueRow",
    "application_assigned_at",
    "application_assignee",
    "application_reviews",
    "assign_application",
    "audit_trail",
    "awaiting_second_approval",
    "claim_application",
    "decision_breakdown",
    "enterprise_neighbourhood",
    "my_queue",
    "staff_users",
]
