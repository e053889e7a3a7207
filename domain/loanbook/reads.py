"""Batched reads of the loan book for lists: one SQL statement per kind of record, whatever the
number of loans asked about.

Visibility is the caller's business (the API checks who may read a loan and its journal);
these functions only read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from db import batch
from db.models import Installment, JournalEntry, JournalLine, LoanChange, Repayment


async def repayment_pages(
    loan_ids: Sequence[int], *, first: int, after: int | None
) -> dict[int, list[Repayment]]:
    """Up to first+1 repayments per loan after a key, oldest first."""
    return await batch.pages(Repayment, "loan_id", loan_ids, first=first, after=after)


async def repayment_counts(loan_ids: Sequence[int]) -> dict[int, int]:
    """Repayments per loan (reversed ones included)."""
    return await batch.counts(
        "SELECT loan_id, COUNT(*) FROM repayment WHERE loan_id IN ({ids}) GROUP BY loan_id",
        loan_ids,
    )


async def journal_pages(
    loan_ids: Sequence[int], *, first: int, after: int | None
) -> dict[int, list[JournalEntry]]:
    """Up to first+1 journal entries per loan after a key, in posting order."""
    return await batch.pages(JournalEntry, "loan_id", loan_ids, first=first, after=after)


async def journal_counts(loan_ids: Sequence[int]) -> dict[int, int]:
    """Journal entries per loan."""
    return await batch.counts(
        "SELECT loan_id, COUNT(*) FROM journal_entry WHERE loan_id IN ({ids}) GROUP BY loan_id",
        loan_ids,
    )


async def lines_by_entry_ids(*, ids: Sequence[int]) -> list[list[JournalLine]]:
    """Each entry's lines, debits first, in the order of `ids`."""
    grouped: dict[int, list[JournalLine]] = defaultdict(list)
    for line in await JournalLine.filter(entry_id__in=list(set(ids))).order_by("entry_id", "id"):
        grouped[line.entry_id].append(line)  # type: ignore[attr-defined]
    for lines in grouped.values():
        lines.sort(key=lambda line: (line.credit > 0, line.id))
    return [grouped.get(i, []) for i in ids]


async def changes_by_loan_ids(*, ids: Sequence[int]) -> list[list[LoanChange]]:
    """Each loan's maker-checker changes, newest first, in the order of `ids`."""
    return await batch.grouped(LoanChange, "loan_id", list(ids), order="-id")


async def installments_of_all_versions(*, ids: Sequence[int]) -> list[list[Installment]]:
    """Each loan's installments of every schedule version, by version then number."""
    wanted = list(ids)
    grouped: dict[int, list[Installment]] = {i: [] for i in wanted}
    query = Installment.filter(loan_id__in=set(wanted)).order_by("loan_id", "version", "number")
    for inst in await query:
        grouped[inst.loan_id].append(inst)  # type: ignore[attr-defined]
    return [grouped[i] for i in wanted]


async def changes_with_status(status: str | None, *, first: int) -> list[LoanChange]:
    """Maker-checker changes (all, or those with `status`), oldest first: an inbox."""
    query = LoanChange.all() if status is None else LoanChange.filter(status=status)
    return list(await query.order_by("id").limit(first))


async def repayment_with_loan(repayment_id: int) -> Repayment:
    """A repayment with its loan read (the answer to whoever booked it)."""
    return await Repayment.get(id=repayment_id).prefetch_related("loan")


__all__ = [
    "changes_by_loan_ids",
    "changes_with_status",
    "installments_of_all_versions",
    "journal_counts",
    "journal_pages",
    "lines_by_entry_ids",
    "repayment_counts",
    "repayment_pages",
    "repayment_with_loan",
]
