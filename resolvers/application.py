"""Loan applications: reads, the applicant's operations, and status updates as they happen."""

# no `from __future__ import annotations`: strawberry cannot resolve a lazy input type of a
# resolver argument from a string annotation
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from db import models as m
from db.rows import Row
from domain.applications import disclosure, service
from domain.decision import decision_risk_score_id
from domain.errors import DomainError
from domain.monitoring.feed import subscribe_application_updates
from resolvers import columns
from resolvers.connection import Page, page_after, page_args, page_of
from resolvers.context import ctx
from resolvers.enterprise import required_enterprise
from resolvers.errors import PayloadError, graphql_error, payload
from resolvers.idempotency import once
from resolvers.ids import decode_or_raise, readable_or_none
from resolvers.selection import connection_selection

if TYPE_CHECKING:
    from schema.types.application import CreateApplicationInput


@dataclass(frozen=True)
class ApplicationPayload:
    """An application after an operation, or why the operation failed."""

    application: m.LoanApplication | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def application(info: Info, id: strawberry.ID) -> m.LoanApplication | None:
    """An application by opaque id; None when unknown or not the caller's."""
    principal = ctx(info).require()
    return await readable_or_none(
        str(id),
        "LoanApplication",
        lambda pk: service.get_application_or_raise(principal=principal, application_id=pk),
    )


async def applications(
    info: Info,
    first: int | None = 20,
    after: str | None = None,
    status: m.ApplicationStatus | None = None,
) -> Page[m.LoanApplication | Row]:
    """A page of the applications the caller may see, newest first (the columns shown;
    counted when asked)."""
    principal = ctx(info).require()
    n, after_key = page_args(first, after)
    selection = connection_selection(info)
    found = await service.page_of_applications(
        principal=principal,
        first=n,
        after_id=after_key,
        status=status,
        count=selection.count,
        columns=selection.columns(columns.APPLICATION),
    )
    return page_of(found.rows, n, found.total_count)


async def enterprise_applications(
    root: strawberry.Parent[m.Enterprise],
    info: Info,
    first: int | None = 20,
    after: str | None = None,
) -> Page[m.LoanApplication | Row]:
    """A page of an enterprise's applications, newest first (the columns shown)."""
    n, after_key = page_args(first, after)
    wanted = connection_selection(info).columns(columns.APPLICATION)
    rows: list[m.LoanApplication | Row] = list(
        await ctx(info).loaders.enterprise_applications(wanted).load(root.id)
    )
    return page_after(rows, n, after_key, descending=True)


async def create_application(
    info: Info,
    input: Annotated["CreateApplicationInput", strawberry.lazy("schema.types.application")],
) -> ApplicationPayload:
    """A draft application for the caller's enterprise."""
    principal = ctx(info).require()
    return await payload(
        ApplicationPayload,
        lambda: service.create_application(
            principal=principal,
            product_code=input.product_code,
            amount=input.amount,
            term_months=input.term_months,
            purpose=input.purpose,
            pledged_patent_numbers=input.pledged_patent_numbers,
        ),
    )


async def submit_application(info: Info, id: strawberry.ID) -> ApplicationPayload:
    """Submit a draft, once per Idempotency-Key."""
    principal = ctx(info).require()

    async def call() -> int:
        submitted = await service.submit_application(
            principal=principal, application_id=decode_or_raise(str(id), "LoanApplication")
        )
        return submitted.id

    async def reload(pk: int) -> m.LoanApplication:
        found = await service.get_application(application_id=pk)
        assert found is not None
        return found

    return await once(
        info,
        ApplicationPayload,
        call,
        reload=reload,
        operation="submitApplication",
        arguments={"id": str(id)},
    )


async def withdraw_application(info: Info, id: strawberry.ID) -> ApplicationPayload:
    """Withdraw an application before the contract is signed."""
    principal = ctx(info).require()
    return await payload(
        ApplicationPayload,
        lambda: service.withdraw_application(
            principal=principal, application_id=decode_or_raise(str(id), "LoanApplication")
        ),
    )


async def required_application(info: Info, id: int) -> m.LoanApplication:
    """An application the caller may see because it may see a record that belongs to it."""
    found = await ctx(info).loaders.application.load(id)
    assert found is not None
    return found


async def application_updated(
    info: Info, id: strawberry.ID
) -> AsyncGenerator[m.LoanApplication, None]:
    """An application each time its status changes."""
    principal = ctx(info).require()
    try:
        pk = decode_or_raise(str(id), "LoanApplication", message="no such application")
    except DomainError as exc:
        raise graphql_error(exc) from exc
    feed = subscribe_application_updates(principal=principal, application_id=pk)
    try:
        async for update in feed:
            yield update
    except DomainError as exc:
        raise graphql_error(exc) from exc
    finally:
        await feed.aclose()


async def application_enterprise(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> m.Enterprise:
    """The applicant enterprise (the caller may see it: it may see the application)."""
    return await required_enterprise(info, root.enterprise_id)  # type: ignore[attr-defined]


async def application_product(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> m.LoanProduct | None:
    """The product applied for."""
    return await ctx(info).loaders.product.load(root.product_id)  # type: ignore[attr-defined]


async def pledged_patents(root: strawberry.Parent[m.LoanApplication], info: Info) -> list[m.Patent]:
    """The patents offered as pledge."""
    return await ctx(info).loaders.pledged_patents.load(root.id)


async def application_risk_score(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> m.RiskScore | None:
    """The score the decision used; before a decision, the enterprise's latest."""
    score_id = decision_risk_score_id(root)
    loaders = ctx(info).loaders
    if score_id is not None:
        return await loaders.risk_score.load(score_id)
    return await loaders.latest_risk_score.load(root.enterprise_id)  # type: ignore[attr-defined]


async def application_contract(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> m.Contract | None:
    """The contract, once the offer is accepted."""
    return await ctx(info).loaders.application_contract.load(root.id)


async def application_history(
    root: strawberry.Parent[m.LoanApplication], info: Info
) -> list[m.StatusChange]:
    """Every status change, oldest first."""
    return await ctx(info).loaders.application_history.load(root.id)


def viewer_is_staff(info: Info) -> bool:
    """Whether the caller is bank staff (who read every name and comment)."""
    principal = ctx(info).principal
    return principal is not None and principal.is_staff


def history_by(root: strawberry.Parent[m.StatusChange], info: Info) -> str:
    """Who made a status change: applicants read `bank` for bank staff."""
    return disclosure.history_actor(root, staff_viewer=viewer_is_staff(info))
