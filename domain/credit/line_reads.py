"""Reading credit lines: one line for a caller, the lines a caller may list, what is drawn and
available on each, their loans and their history, in batches of constant query count.

What is drawn on a line (and so what is left): a revolving line counts the principal still
outstanding on its live loans, so repaid principal can be drawn again; a non-revolving line
counts every principal ever drawn. Written-off principal is never restored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from db import batch
from db.models import CreditLine, CreditLineChange, Loan
from domain.accounts.principal import Principal
from domain.errors import NotFound
from domain.loanbook.status import LIVE, LoanStatus

ZERO = Decimal("0.00")
MAX_LIST = 100
_LIVE = frozenset(s.value for s in LIVE)


@dataclass(frozen=True)
class LineUse:
    """The principal drawn on a line: ever, and still outstanding on its live loans."""

    ever: Decimal = ZERO
    outstanding: Decimal = ZERO

    def drawn(self, *, revolving: bool) -> Decimal:
        """What counts against the limit."""
        return self.outstanding if revolving else self.ever


def use_of(loans: Iterable[tuple[str, Decimal, Decimal]]) -> LineUse:
    """A line's use from its loans' (status, principal, principal outstanding)."""
    ever = outstanding = ZERO
    for status, principal, principal_outstanding in loans:
        ever += principal
        if status in _LIVE:
            outstanding += principal_outstanding
        elif status == LoanStatus.WRITTEN_OFF:
            outstanding += principal  # written off: the limit it used stays used
    return LineUse(ever, outstanding)


def available_of(line: CreditLine, use: LineUse) -> Decimal:
    """What can still be drawn on the line (never below zero, whatever its status)."""
    return max(ZERO, line.limit - use.drawn(revolving=line.revolving))


async def drawn_on_line(line: CreditLine, *, conn: BaseDBAsyncClient | None = None) -> Decimal:
    """What counts against the line's limit now (read in the caller's transaction)."""
    (use,) = await uses_by_line_ids(ids=[line.id], conn=conn)
    return use.drawn(revolving=line.revolving)


async def uses_by_line_ids(
    *, ids: Sequence[int], conn: BaseDBAsyncClient | None = None
) -> list[LineUse]:
    """Each line's use, in the order of `ids`, in one query."""
    query = Loan.filter(credit_line_id__in=list(set(ids)))
    if conn is not None:
        query = query.using_db(conn)
    rows = await query.values_list("credit_line_id", "status", "principal", "principal_outstanding")
    grouped: dict[int, list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    for line_id, status, principal, outstanding in rows:
        grouped[line_id].append((str(status), Decimal(principal), Decimal(outstanding)))
    return [use_of(grouped.get(i, [])) for i in ids]


async def get_line_or_raise(*, principal: Principal, line_id: int) -> CreditLine:
    """The line if the caller may see its enterprise, else NOT_FOUND (FORBIDDEN / UNVERIFIED
    for an applicant of another enterprise or an unverified one)."""
    line = await CreditLine.get_or_none(id=line_id)
    if line is None:
        raise NotFound("no such credit line", field="lineId")
    principal.require_enterprise(line.enterprise_id)  # type: ignore[attr-defined]
    return line


async def list_lines(
    *, principal: Principal, status: str | None = None, first: int = 50
) -> list[CreditLine]:
    """The lines the caller may see, newest first: staff all, an applicant its own
    enterprise's (none before its account is verified)."""
    query = CreditLine.all()
    if not principal.is_staff:
        if principal.enterprise_id is None:
            return []
        query = query.filter(enterprise_id=principal.enterprise_id)
    if status is not None:
        query = query.filter(status=status)
    return list(await query.order_by("-id").limit(max(0, min(first, MAX_LIST))))


async def lines_by_ids(*, ids: Sequence[int]) -> list[CreditLine | None]:
    """Lines in the order of `ids` (None where missing), in one query."""
    return await batch.by_ids(CreditLine, list(ids))


async def lines_by_application_ids(*, ids: Sequence[int]) -> list[CreditLine | None]:
    """Each application's line (or None), in the order of `ids`, in one query."""
    found = {
        line.application_id: line  # type: ignore[attr-defined]
        for line in await CreditLine.filter(application_id__in=list(set(ids)))
    }
    return [found.get(i) for i in ids]


async def loans_by_line_ids(*, ids: Sequence[int]) -> list[list[Loan]]:
    """Each line's loans in drawing order, in the order of `ids`, in one query."""
    return await batch.grouped(Loan, "credit_line_id", list(ids), order="drawdown_number")


async def changes_by_line_ids(*, ids: Sequence[int]) -> list[list[CreditLineChange]]:
    """Each line's changes, oldest first, in the order of `ids`, in one query."""
    return await batch.grouped(CreditLineChange, "line_id", list(ids), order="id")


__all__ = [
    "LineUse",
    "available_of",
    "changes_by_line_ids",
    "drawn_on_line",
    "get_line_or_raise",
    "lines_by_application_ids",
    "lines_by_ids",
    "list_lines",
    "loans_by_line_ids",
    "use_of",
    "uses_by_line_ids",
]
