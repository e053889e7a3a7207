"""Data authorisations: an enterprise's consents and data-access log; granting and revoking."""

# no `from __future__ import annotations`: strawberry cannot resolve a lazy input type of a
# resolver argument from a postponed annotation
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from db import models as m
from domain.consent import reads, service
from domain.errors import DomainError
from resolvers.connection import Page, page_args, page_of
from resolvers.context import ctx
from resolvers.errors import PayloadError, graphql_error, payload
from resolvers.idempotency import once
from resolvers.ids import decode_or_raise, encode_id
from resolvers.selection import connection_selection

if TYPE_CHECKING:
    from schema.types.consent import GrantConsentInput


@dataclass(frozen=True)
class ConsentPayload:
    """A consent granted or revoked, or why not."""

    consent: m.Consent | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def enterprise_consents(root: strawberry.Parent[m.Enterprise], info: Info) -> list[m.Consent]:
    """The enterprise's consents, newest first (its verified users and staff)."""
    try:
        return await reads.consents_of(principal=ctx(info).require(), enterprise_id=root.id)
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def enterprise_data_access_log(
    root: strawberry.Parent[m.Enterprise],
    info: Info,
    first: int | None = 20,
    after: str | None = None,
) -> Page[reads.LogEntry]:
    """A page of the enterprise's data-access log, newest first."""
    principal = ctx(info).require()
    n, after_key = page_args(first, after)
    try:
        found = await reads.access_log(
            principal=principal,
            enterprise_id=root.id,
            first=n,
            after_id=after_key,
            count=connection_selection(info).count,
        )
    except DomainError as exc:
        raise graphql_error(exc) from exc
    return page_of(found.rows, n, found.total_count)


def consent_state(root: strawberry.Parent[m.Consent]) -> reads.ConsentState:
    """Where the consent stands today."""
    return reads.state_of(root)


def entry_consent_id(root: strawberry.Parent[reads.LogEntry]) -> strawberry.ID | None:
    """The opaque id of the consent a pull was made under, if one was."""
    if root.consent_id is None:
        return None
    return strawberry.ID(encode_id("Consent", root.consent_id))


async def grant_consent(
    info: Info,
    input: Annotated["GrantConsentInput", strawberry.lazy("schema.types.consent")],
) -> ConsentPayload:
    """Grant and sign a data authorisation for the caller's enterprise, once per
    Idempotency-Key."""
    principal = ctx(info).require()

    async def call() -> int:
        granted = await service.grant_consent(
            principal=principal,
            sources=input.sources,
            purposes=input.purposes,
            valid_until=input.valid_until,
            otp=input.otp,
        )
        return granted.id

    return await once(
        info,
        ConsentPayload,
        call,
        reload=lambda pk: m.Consent.get(id=pk),
        operation="grantConsent",
        arguments={
            "sources": sorted(str(s) for s in input.sources),
            "purposes": sorted(str(p) for p in input.purposes),
            "validUntil": input.valid_until.isoformat(),
        },
    )


async def revoke_consent(info: Info, id: strawberry.ID) -> ConsentPayload:
    """Revoke one of the caller's enterprise's consents."""
    principal = ctx(info).require()
    return await payload(
        ConsentPayload,
        lambda: service.revoke_consent(
            principal=principal, consent_id=decode_or_raise(str(id), "Consent")
        ),
    )
