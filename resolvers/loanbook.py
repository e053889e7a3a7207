"""The loan book as the API reads it: a loan's repayments, journal, changes and schedule
versions; payoff quotes, the change inbox, portfolio analytics and a loan's live postings."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from db import models as m
from db.models import Role
from domain.accounts.principal import Principal
from domain.errors import DomainError
from domain.loanbook import reads
from domain.loanbook.feed import subscribe_loan_postings
from domain.loanbook.portfolio import READERS
from resolvers.connection import MAX_PAGE, Page, after_key, page_args, page_of
from resolvers.context import ctx
from resolvers.errors import bad_request, forbidden, graphql_error
from resolvers.ids import decode_id, decode_or_raise
from resolvers.loanbook_enums import ChangeStatus
from resolvers.loanbook_loaders import loanbook_loaders
from resolvers.selection import connection_selection


def in_role_order(roles: Collection[Role]) -> tuple[Role, ...]:
    """A domain's set of roles in the order `Role` declares them (stable refusal messages)."""
    return tuple(r for r in Role if r in roles)


# who reads the ledger side of a loan (its journal, its changes, the portfolio)
BOOK_READERS = in_role_order(READERS)


def require_roles(info: Info, *roles: Role) -> Principal:
    """The caller if it has one of the roles; a top-level FORBIDDEN error otherwise."""
    principal = ctx(info).require()
    try:
        principal.require_role(*roles)
    except DomainError as exc:
        raise forbidden(exc.message) from None
    return principal


def may_read_book(info: Info) -> bool:
    """Whether the caller reads the ledger side of loans (loan officers, risk managers)."""
    principal = ctx(info).principal
    return principal is not None and principal.role in BOOK_READERS


@dataclass(frozen=True)
class ScheduleVersion:
    """One version of a loan's schedule and its installments."""

    version: int
    current: bool
    installments: list[m.Installment]


async def schedule(root: strawberry.Parent[m.Loan], info: Info) -> list[m.Installment]:
    """The schedule in force (its current version), in order (one read with the versions)."""
    rows = await loanbook_loaders(info).all_installments.load(root.id)
    current = root.schedule_version
    return [i for i in rows if i.version == current]


async def schedule_versions(root: strawberry.Parent[m.Loan], info: Info) -> list[ScheduleVersion]:
    """Every version of the schedule, oldest first; old versions are kept as they were."""
    rows = await loanbook_loaders(info).all_installments.load(root.id)
    versions: dict[int, list[m.Installment]] = {}
    for inst in rows:
        versions.setdefault(inst.version, []).append(inst)
    current = root.schedule_version
    return [ScheduleVersion(v, v == current, versions[v]) for v in sorted(versions)]


async def repayments(
    root: strawberry.Parent[m.Loan], info: Info, first: int | None = 20, after: str | None = None
) -> Page[m.Repayment]:
    """A page of the loan's repayments, oldest first (counted when asked)."""
    n, key = page_args(first, after)
    loaders = loanbook_loaders(info)
    rows = await loaders.repayment_page(n, key).load(root.id)
    total = (
        await loaders.repayment_count.load(root.id) if connection_selection(info).count else None
    )
    return page_of(rows, n, total)


async def journal(
    root: strawberry.Parent[m.Loan], info: Info, first: int | None = 20, after: str | None = None
) -> Page[m.JournalEntry]:
    """A page of the loan's journal entries in posting order (loan officers, risk managers;
    an empty page for others, as a borrower reads its loan without the bank's books)."""
    n, key = page_args(first, after)
    if not may_read_book(info):
        return page_of([], n, 0)
    loaders = loanbook_loaders(info)
    rows = await loaders.journal_page(n, key).load(root.id)
    total = await loaders.journal_count.load(root.id) if connection_selection(info).count else None
    return page_of(rows, n, total)


async def entry_lines(root: strawberry.Parent[m.JournalEntry], info: Info) -> list[m.JournalLine]:
    """The entry's lines, debits first."""
    return await loanbook_loaders(info).entry_lines.load(root.id)


async def loan_changes(root: strawberry.Parent[m.Loan], info: Info) -> list[m.LoanChange]:
    """The loan's maker-checker changes, newest first (loan officers, risk managers; empty
    for others)."""
    if not may_read_book(info):
        return []
    return await loanbook_loaders(info).loan_changes.load(root.id)


async def change_loan(root: strawberry.Parent[m.LoanChange], info: Info) -> m.Loan:
    """The loan a change is about."""
    found = await ctx(info).loaders.loan.load(root.loan_id)  # type: ignore[attr-defined]
    if found is None:
        raise bad_request("the loan of this change is gone")
    return found


async def entry_loan(root: strawberry.Parent[m.JournalEntry], info: Info) -> m.Loan | None:
    """The loan an entry was posted for, if any."""
    if root.loan_id is None:
        return None
    return await ctx(info).loaders.loan.load(root.loan_id)


async def loan_change_inbox(
    info: Info, status: ChangeStatus | None = ChangeStatus.PENDING, first: int | None = 50
) -> list[m.LoanChange]:
    """Changes with a status (default: waiting for a checker), oldest first."""
    require_roles(info, *BOOK_READERS)
    n = 50 if first is None else first
    if n < 0 or n > MAX_PAGE:
        raise bad_request(f"first must be between 0 and {MAX_PAGE}")
    return await reads.changes_with_status(None if status is None else status.value, first=n)


async def payoff_quote(info: Info, loan_id: strawberry.ID, date: date) -> Any:
    """What settles the loan in full on `date`."""
    from domain.loanbook.prepayment import payoff_quote as quote

    principal = ctx(info).require()
    try:
        key = decode_or_raise(str(loan_id), "Loan", "loanId", message="no such loan")
        return await quote(principal=principal, loan_id=key, on=date)
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def portfolio(info: Info, as_of: date | None = None) -> Any:
    """Portfolio analytics now, or at the last month end on or before `as_of`."""
    from domain.loanbook.portfolio import portfolio as figures

    principal = require_roles(info, *BOOK_READERS)
    try:
        return await figures(principal=principal, as_of=as_of)
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def loan_events(
    info: Info, loan_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[m.JournalEntry, None]:
    """The loan's postings as they are made; with `after` (an event cursor), first every
    posting since."""
    principal = ctx(info).require()
    after_id = after_key(after)
    key = decode_id(str(loan_id), "Loan")
    if key is None:
        raise bad_request("no such loan")
    feed = subscribe_loan_postings(principal=principal, loan_id=key, after_id=after_id)
    try:
        async for entry in feed:
            yield entry
    except DomainError as exc:
        raise graphql_error(exc) from exc
    finally:
        await feed.aclose()


__all__ = [
    "BOOK_READERS",
    "ScheduleVersion",
    "change_loan",
    "entry_lines",
    "entry_loan",
    "journal",
    "loan_change_inbox",
    "loan_changes",
    "loan_events",
    "may_read_book",
    "payoff_quote",
    "portfolio",
    "repayments",
    "require_roles",
    "schedule",
    "schedule_versions",
]
