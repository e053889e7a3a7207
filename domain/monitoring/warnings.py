"""Staff actions on warnings, the reads the API needs, and the dead-letter list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from db.batch import by_ids, keyset_page
from db.models import DeadLetter, RiskWarning, WarningLevel, WarningStatus
from db.rows import Row
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.monitoring.rules import LEVEL_RANK

MAX_NOTE = 2000
MAX_PAGE = 100


def levels_at_least(minimum: WarningLevel | str | None) -> list[str]:
    """The levels as severe as `minimum`."""
    if minimum is None:
        return [str(level) for level in WarningLevel]
    floor = LEVEL_RANK[WarningLevel(minimum)]
    return [str(level) for level, rank in LEVEL_RANK.items() if rank >= floor]


def visible_warnings(principal: Principal) -> QuerySet[RiskWarning]:
    """The warnings a caller may see: staff all, an applicant its own enterprise's."""
    if principal.is_staff:
        return RiskWarning.all()
    if principal.enterprise_id is None:
        return RiskWarning.filter(id__lt=0)
    return RiskWarning.filter(enterprise_id=principal.enterprise_id)


def can_see(principal: Principal, warning: RiskWarning) -> bool:
    """Whether the caller may see this warning."""
    return principal.can_see_enterprise(warning.enterprise_id)


@dataclass(frozen=True)
class WarningPage:
    """Up to first+1 warnings (the extra one says another page follows) and the total count
    (None when not asked for); rows of some columns when the caller asked for those only."""

    rows: list[RiskWarning | Row]
    total_count: int | None


async def list_warnings(
    *,
    principal: Principal,
    first: int = 20,
    after_id: int | None = None,
    min_level: WarningLevel | str | None = None,
    status: WarningStatus | str | None = None,
    enterprise_id: int | None = None,
    newest_first: bool = True,
    count: bool = True,
    columns: Sequence[str] | None = None,
) -> WarningPage:
    """A page of the warnings the caller may see, filtered, keyed by id for cursors; counted
    only when `count`; rows of `columns` only when given."""
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 0 and {MAX_PAGE}", field="first")
    query = visible_warnings(principal).filter(level__in=levels_at_least(min_level))
    if status is not None:
        query = query.filter(status=WarningStatus(status))
    if enterprise_id is not None:
        query = query.filter(enterprise_id=enterprise_id)
    found = await keyset_page(
        query,
        first=first,
        after=after_id,
        descending=newest_first,
        count=count,
        columns=columns,
    )
    return WarningPage(found.rows, found.total_count)


async def warnings_by_ids(ids: Sequence[int]) -> list[RiskWarning | None]:
    """Warnings in the order of `ids` (None where missing), one query; no permission check."""
    return await by_ids(RiskWarning, ids)


async def get_warning_or_raise(*, principal: Principal, warning_id: int) -> RiskWarning:
    """The warning if the caller may see it; NOT_FOUND otherwise (existence is not leaked)."""
    warning = await RiskWarning.get_or_none(id=warning_id)
    if warning is None or not can_see(principal, warning):
        raise NotFound("no such warning", field="id")
    return warning


async def acknowledge_warning(*, principal: Principal, warning_id: int) -> RiskWarning:
    """Staff take note of an open warning (a second acknowledgement changes nothing)."""
    principal.require_staff()
    warning = await get_warning_or_raise(principal=principal, warning_id=warning_id)
    if warning.status == WarningStatus.RESOLVED:
        raise InvalidState("the warning is already resolved")
    if warning.status == WarningStatus.ACKNOWLEDGED:
        return warning
    async with in_transaction() as conn:
        changed = (
            await RiskWarning.filter(id=warning.id, status=WarningStatus.OPEN)
            .using_db(conn)
            .update(status=WarningStatus.ACKNOWLEDGED)
        )
        if changed:
            await audit.record(
                actor=f"user:{principal.email}",
                action="warning.acknowledge",
                entity_type="risk_warning",
                entity_id=warning.id,
                data={"level": str(warning.level), "kind": warning.kind},
                connection=conn,
            )
    await warning.refresh_from_db()
    if warning.status == WarningStatus.RESOLVED:
        raise InvalidState("the warning was resolved meanwhile")
    return warning


async def resolve_warning(*, principal: Principal, warning_id: int, note: str) -> RiskWarning:
    """Staff close a warning with a note; the enterprise may get a new one of its kind later."""
    principal.require_staff()
    text = (note or "").strip()
    if not text:
        raise InvalidInput("a note is required to resolve a warning", field="note")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters", field="note")
    warning = await get_warning_or_raise(principal=principal, warning_id=warning_id)
    if warning.status == WarningStatus.RESOLVED:
        raise InvalidState("the warning is already resolved")
    async with in_transaction() as conn:
        changed = (
            await RiskWarning.filter(id=warning.id, status__not=WarningStatus.RESOLVED)
            .using_db(conn)
            .update(status=WarningStatus.RESOLVED, note=text, open_key=None)
        )
        if not changed:
            raise InvalidState("the warning was resolved meanwhile")
        await audit.record(
            actor=f"user:{principal.email}",
            action="warning.resolve",
            entity_type="risk_warning",
            entity_id=warning.id,
            data={"level": str(warning.level), "kind": warning.kind, "note": text},
            connection=conn,
        )
    await warning.refresh_from_db()
    return warning


async def open_warning_count(*, principal: Principal) -> int:
    """How many warnings the caller may see are not resolved."""
    return await visible_warnings(principal).filter(status__not=WarningStatus.RESOLVED).count()


# ---- dead letters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadLetterPage:
    """Up to first+1 dead letters, newest first, and the total count (None when not asked)."""

    rows: list[DeadLetter | Row]
    total_count: int | None


async def record_dead_letter(
    *, actor: str, message_id: str, args: Sequence[Any], error: str
) -> DeadLetter | None:
    """Keep a message that failed for good (once per message id)."""
    try:
        return await DeadLetter.create(
            actor=actor[:64], message_id=message_id[:64], args=list(args), error=error[:20000]
        )
    except IntegrityError:
        return None


async def list_dead_letters(
    *,
    principal: Principal,
    first: int = 20,
    after_id: int | None = None,
    count: bool = True,
    columns: Sequence[str] | None = None,
) -> DeadLetterPage:
    """Messages that exhausted their retries or failed with a business error (staff only)."""
    principal.require_staff()
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 0 and {MAX_PAGE}", field="first")
    found = await keyset_page(
        DeadLetter.all(), first=first, after=after_id, descending=True, count=count,
        columns=columns,
    )  # fmt: skip
    return DeadLetterPage(found.rows, found.total_count)
