"""What an applicant may read of its application's history and decision (staff read all).

Bank staff act on applications under their own names (`user:<email>` in the history, the
decision and the audit log). An applicant sees `bank` in their place, never a staff email,
and never what a reviewer wrote: a manual verdict's reason reads as a fixed sentence, and so
do the internal reasons an automated referral gives (what failed inside the bank).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from db.models import Role, StatusChange, User

BANK = "bank"
USER_PREFIX = "user:"
# reasons whose stored description is written by a person or names internals
PUBLIC_REASONS = {
    "MANUAL_APPROVED": "approved by the bank after a review",
    "MANUAL_REJECTED": "declined by the bank after a review",
    "DATA_UNAVAILABLE": "the application could not be assessed automatically; the bank reviews it",
    "NO_CONSENT": "no valid data authorisation covers the data the assessment needs",
}


async def staff_actors(names: Iterable[str]) -> set[str]:
    """Those of the actor names (`user:<email>`, `model:...`, `system:...`) that name anyone
    but a known applicant: bank staff, service accounts, users no longer known (one query)."""
    emails = {n[len(USER_PREFIX) :] for n in names if n.startswith(USER_PREFIX)}
    if not emails:
        return set()
    applicants = await User.filter(email__in=sorted(emails), role=Role.APPLICANT).values_list(
        "email", flat=True
    )
    return {USER_PREFIX + e for e in emails - {str(a) for a in applicants}}


async def mark_staff_actors(rows: Sequence[StatusChange]) -> None:
    """Note on each history row whether its actor is bank staff (`by_staff`), so that an
    applicant's view can show `bank` instead (one query for all rows)."""
    staff = await staff_actors({r.by for r in rows})
    for row in rows:
        row.by_staff = row.by in staff  # type: ignore[attr-defined]


def history_actor(row: StatusChange, *, staff_viewer: bool) -> str:
    """Who made a status change, as the viewer may read it."""
    if staff_viewer or not getattr(row, "by_staff", row.by.startswith(USER_PREFIX)):
        return row.by
    return BANK


def decided_by(decided: str, *, staff_viewer: bool) -> str:
    """Who decided, as the viewer may read it (reviewers are staff: `bank` for applicants)."""
    if staff_viewer or USER_PREFIX not in decided:
        return decided
    return BANK


def reasons(stored: Sequence[Mapping[str, Any]], *, staff_viewer: bool) -> list[dict[str, Any]]:
    """A decision's reasons as the viewer may read them."""
    if staff_viewer:
        return [dict(r) for r in stored]
    return [_public_reason(r) for r in stored]


def _public_reason(reason: Mapping[str, Any]) -> dict[str, Any]:
    """A reason as an applicant reads it: public words, and a graph reason's relation kind
    without the counterparty (another firm's identity is not the applicant's to see)."""
    out = {k: v for k, v in reason.items() if k != "counterparty"}
    public = reason.get("public_description")
    if public is not None:
        out["description"] = public
    elif "counterparty" in reason:
        out["description"] = "graph risk from related parties"
    else:
        out["description"] = PUBLIC_REASONS.get(str(reason.get("code")), reason.get("description"))
    return out
