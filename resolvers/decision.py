"""Decisions: a reviewer's verdict on an application in manual review."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain import decision as service
from domain.decision import ReviewDecision
from resolvers.application import ApplicationPayload
from resolvers.context import ctx
from resolvers.errors import payload
from resolvers.ids import decode_or_raise


async def review_application(
    info: Info, id: strawberry.ID, decision: ReviewDecision, comment: str
) -> ApplicationPayload:
    """Staff review of an application in manual review."""
    principal = ctx(info).require_staff()
    return await payload(
        ApplicationPayload,
        lambda: service.review_application(
            principal=principal,
            application_id=decode_or_raise(str(id), "LoanApplication"),
            decision=decision,
            comment=comment,
        ),
    )


__all__ = ["review_application"]
