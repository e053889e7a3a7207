"""Reading the audit log of one record for staff: who did what to it, oldest first."""

from __future__ import annotations

from typing import Protocol

from db import batch
from db.models import AuditEntry
from domain.errors import InvalidInput


class Caller(Protocol):
    """Who asks (a `domain.accounts.principal.Principal`; named structurally because the
    accounts package writes to the audit log and must not be imported back)."""

    def require_staff(self) -> None:
        """Raise FORBIDDEN unless the caller is bank staff."""


# the kinds of record the log names (`entity_type` of its entries)
AUDITED = frozenset({
    "loan_application", "loan", "enterprise", "contract", "credit_line", "guarantee",
    "guarantee_claim", "risk_warning", "subsidy_claim", "consent", "user", "patent",
    "ModelCard", "ActivationRequest",
})  # fmt: skip


async def trail_page(
    *,
    principal: Caller,
    entity_type: str,
    entity_id: int,
    first: int,
    after_id: int | None,
    count: bool = True,
) -> batch.KeysetPage[AuditEntry]:
    """Up to first+1 audit entries about one record after the entry `after_id`, oldest first,
    and how many there are when `count`. Bank staff only (FORBIDDEN otherwise)."""
    principal.require_staff()
    if entity_type not in AUDITED:
        raise InvalidInput(f"the audit log names no records of kind {entity_type!r}",
                           field="entityType")  # fmt: skip
    query = AuditEntry.filter(entity_type=entity_type, entity_id=str(entity_id))
    return await batch.keyset_page(query, first=first, after=after_id, count=count)


__all__ = ["AUDITED", "trail_page"]
