"""Decisions: a reviewer's verdict on an application in manual review, and what the caller
may read of a decision."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain import decision as service
from domain.applications import disclosure
from domain.decision import ReviewDecision, graph_reasons
from resolvers.application import ApplicationPayload, viewer_is_staff
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


def decided_by(root: strawberry.Parent[dict[str, Any]], info: Info) -> str:
    """Who decided: the model's versions, or the reviewers (`bank` for applicants)."""
    return disclosure.decided_by(
        str(root.get("decided_by", "")), staff_viewer=viewer_is_staff(info)
    )


def _reasons(root: dict[str, Any], *, staff_viewer: bool) -> list[dict[str, Any]]:
    shown = disclosure.reasons(root.get("reasons") or [], staff_viewer=staff_viewer)
    if staff_viewer:
        return shown
    # a graph reason names its counterparty to staff only: applicants read the relation kind
    return [graph_reasons.applicant_reason(r) for r in shown]


def decision_reasons(root: strawberry.Parent[dict[str, Any]], info: Info) -> list[dict[str, Any]]:
    """The reasons; applicants read fixed sentences where a reviewer wrote the words, and a
    graph reason's relation kind without the counterparty."""
    return _reasons(root, staff_viewer=viewer_is_staff(info))


def graph_driver(root: strawberry.Parent[dict[str, Any]], info: Info) -> dict[str, Any] | None:
    """The graph reason of a decision graph risk moved, as the viewer may read it; None when
    graph risk did not reach the policy's review band (or the decision predates drivers)."""
    codes = set(graph_reasons.CODES.values())
    stored = next((r for r in root.get("reasons") or [] if r.get("code") in codes), None)
    if stored is None:
        return None
    staff = viewer_is_staff(info)
    [shown] = _reasons({"reasons": [stored]}, staff_viewer=staff)
    return {**shown, "counterparty": graph_reasons.counterparty_of(stored, staff_viewer=staff)}


def data_refresh_ms(root: strawberry.Parent[dict[str, Any]], info: Info) -> float | None:
    """How long refreshing the applicant's data took at assessment (staff only: null to
    applicants, and for decisions made without a refresh)."""
    value = root.get("data_refresh_ms")
    if not viewer_is_staff(info) or not isinstance(value, int | float):
        return None
    return float(value)


__all__ = [
    "data_refresh_ms",
    "decided_by",
    "decision_reasons",
    "graph_driver",
    "review_application",
]
