"""Pledge registrations: registering and releasing them, and where the API shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import strawberry
from strawberry.types import Info

from db import models as m
from domain.credit import pledges as service
from resolvers.context import ctx
from resolvers.errors import PayloadError, payload


@dataclass(frozen=True)
class PledgePayload:
    """A pledge registration after an operation, or why the operation failed."""

    pledge: m.PatentPledge | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def register_pledge(
    info: Info, patent_number: str, registration_number: str, registered_on: date
) -> PledgePayload:
    """Record the patent office's registration of a patent's pledge to the bank (staff)."""
    principal = ctx(info).require()
    return await payload(
        PledgePayload,
        lambda: service.register_pledge(
            principal=principal,
            patent_number=patent_number,
            registration_number=registration_number,
            registered_on=registered_on,
        ),
    )


async def release_pledge(info: Info, patent_number: str) -> PledgePayload:
    """Release a patent's standing pledge once no loan relies on it (staff)."""
    principal = ctx(info).require()
    return await payload(
        PledgePayload,
        lambda: service.release_pledge(principal=principal, patent_number=patent_number),
    )


async def patent_pledge(root: strawberry.Parent[m.Patent], info: Info) -> m.PatentPledge | None:
    """The patent's standing pledge to the bank, if any."""
    return await ctx(info).loaders.patent_pledge.load(root.id)


async def line_pledges(root: strawberry.Parent[m.CreditLine], info: Info) -> list[m.PatentPledge]:
    """The pledge registrations securing a credit line (standing and released), oldest first."""
    return await ctx(info).loaders.line_pledges.load(root.id)


async def pledge_patent(root: strawberry.Parent[m.PatentPledge], info: Info) -> m.Patent | None:
    """The pledged patent."""
    return await ctx(info).loaders.patent.load(root.patent_id)  # type: ignore[attr-defined]


async def pledge_application(
    root: strawberry.Parent[m.PatentPledge], info: Info
) -> m.LoanApplication | None:
    """The application the pledge secures."""
    return await ctx(info).loaders.application.load(root.application_id)  # type: ignore[attr-defined]


def pledge_standing(root: strawberry.Parent[m.PatentPledge]) -> bool:
    """Whether the pledge stands (registered and not released)."""
    return root.active_patent_id is not None


__all__ = [
    "PledgePayload",
    "line_pledges",
    "patent_pledge",
    "pledge_application",
    "pledge_patent",
    "pledge_standing",
    "register_pledge",
    "release_pledge",
]
