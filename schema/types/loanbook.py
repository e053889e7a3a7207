"""The loan book as the API shows it: repayments and their allocation, journal entries,
changes awaiting a checker, schedule versions, payoff quotes and a loan's live postings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

import resolvers.loanbook
import resolvers.loanbook_enums as changes
from db import models as m
from resolvers.ids import encode_cursor, encode_id
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.loan import Installment, Loan, LoanClassification, LoanStatus

PrepaymentMode = strawberry.enum(
    changes.PrepaymentMode,
    name="PrepaymentMode",
    description="What a partial prepayment does to the rest of the schedule.",
)

_BUCKETS = (
    "fees",
    "penalty",
    "overdue_interest",
    "overdue_principal",
    "current_interest",
    "current_principal",
    "credit",
    "recovery",
)


@strawberry.type(description="How a payment was split, CNY per bucket.")
class RepaymentAllocation:
    fees: Decimal = strawberry.field(description="Fees.")
    penalty: Decimal = strawberry.field(description="Penalty and compound interest.")
    overdue_interest: Decimal = strawberry.field(description="Interest past its due date.")
    overdue_principal: Decimal = strawberry.field(description="Principal past its due date.")
    current_interest: Decimal = strawberry.field(description="Interest of the current period.")
    current_principal: Decimal = strawberry.field(description="Principal not yet due.")
    credit: Decimal = strawberry.field(description="Held as a credit balance for the borrower.")
    recovery: Decimal = strawberry.field(description="Recovered on a written-off loan.")


def allocation_of(stored: Any) -> RepaymentAllocation:
    """A stored allocation (JSON of bucket amounts; missing buckets are zero)."""
    values = stored if isinstance(stored, dict) else {}
    return RepaymentAllocation(
        **{b: Decimal(str(values.get(b) or "0")).quantize(Decimal("0.01")) for b in _BUCKETS}
    )


def _allocation(root: strawberry.Parent[m.Repayment]) -> RepaymentAllocation:
    return allocation_of(root.allocation)


def _reversed(root: strawberry.Parent[m.Repayment]) -> bool:
    return root.reversed_at is not None


@strawberry.type(description="Money received against a loan.")
class Repayment:
    id: strawberry.ID = opaque_id("Repayment")
    kind: str = strawberry.field(description="REPAYMENT, PREPAYMENT or RECOVERY.")
    amount: Decimal = strawberry.field(description="Amount received, CNY.")
    received_at: datetime = strawberry.field(description="When the money arrived.")
    business_date: date | None = strawberry.field(description="The business date it was booked.")
    allocation: RepaymentAllocation = strawberry.field(
        resolver=_allocation, description="How it was split."
    )
    reversed: bool = strawberry.field(resolver=_reversed, description="Reversed (e.g. bounced).")
    reversed_at: datetime | None = strawberry.field(description="When it was reversed.")
    reversal_reason: str | None = strawberry.field(description="Why it was reversed.")


@strawberry.type(description="One debit or credit of a journal entry.")
class JournalLine:
    account: str = strawberry.field(description="Account of the chart, e.g. 1303_LOAN_PRINCIPAL.")
    debit: Decimal = strawberry.field(description="Debit, CNY (0 on a credit line).")
    credit: Decimal = strawberry.field(description="Credit, CNY (0 on a debit line).")


def _reverses(root: strawberry.Parent[m.JournalEntry]) -> strawberry.ID | None:
    rid = root.reverses_id
    return None if rid is None else strawberry.ID(encode_id("JournalEntry", rid))


def _posted_by(root: strawberry.Parent[m.JournalEntry]) -> str:
    return root.actor


@strawberry.type(description="A balanced posting of the general ledger.")
class JournalEntry:
    id: strawberry.ID = opaque_id("JournalEntry")
    kind: str = strawberry.field(
        description="DISBURSEMENT, ACCRUAL, PENALTY, REPAYMENT, PREPAYMENT, FEE, WRITE_OFF, "
        "RECOVERY, REVERSAL, PROVISION or RESTRUCTURE."
    )
    business_date: date = strawberry.field(description="The business date it belongs to.")
    posted_at: datetime = strawberry.field(description="When it was written.")
    posted_by: str = strawberry.field(resolver=_posted_by, description="Who or what posted it.")
    memo: str = strawberry.field(description="What it is for.")
    reverses: strawberry.ID | None = strawberry.field(
        resolver=_reverses, description="The entry this one reverses, if any."
    )
    lines: list[JournalLine] = strawberry.field(
        resolver=resolvers.loanbook.entry_lines, description="Its lines: debits equal credits."
    )


LoanChangeKind = strawberry.enum(
    changes.ChangeKind, name="LoanChangeKind", description="What a change does to a loan."
)
LoanChangeStatus = strawberry.enum(
    changes.ChangeStatus, name="LoanChangeStatus", description="Where a change stands."
)


def _change_kind(root: strawberry.Parent[m.LoanChange]) -> LoanChangeKind:  # type: ignore[valid-type]
    return changes.ChangeKind(root.kind)


def _change_status(root: strawberry.Parent[m.LoanChange]) -> LoanChangeStatus:  # type: ignore[valid-type]
    return changes.ChangeStatus(root.status)


def _details(root: strawberry.Parent[m.LoanChange]) -> JSON:
    return root.payload  # type: ignore[no-any-return]


@strawberry.type(description="A change to a loan one staff member asked for and a risk manager "
                 "approves or rejects (maker-checker).")  # fmt: skip
class LoanChange:
    id: strawberry.ID = opaque_id("LoanChange")
    kind: LoanChangeKind = strawberry.field(  # type: ignore[valid-type]
        resolver=_change_kind, description="RESTRUCTURE, WRITE_OFF or REVERSAL."
    )
    status: LoanChangeStatus = strawberry.field(  # type: ignore[valid-type]
        resolver=_change_status, description="PENDING, APPROVED or REJECTED."
    )
    reason: str = strawberry.field(description="Why it was asked for.")
    details: JSON = strawberry.field(
        resolver=_details, description="What was asked for (new term, rate, repayment...)."
    )
    requested_by: str = strawberry.field(description="The maker.")
    requested_at: datetime = strawberry.field(description="When it was asked for.")
    decided_by: str | None = strawberry.field(description="The checker, once decided.")
    decided_at: datetime | None = strawberry.field(description="When it was decided.")
    decision_comment: str | None = strawberry.field(description="The checker's comment.")
    loan: Loan = strawberry.field(
        resolver=resolvers.loanbook.change_loan, description="The loan it is about."
    )


@strawberry.type(description="One version of a loan's schedule (old versions are kept).")
class ScheduleVersion:
    version: int = strawberry.field(description="1 for the schedule at disbursement, then up.")
    current: bool = strawberry.field(description="The version in force.")
    installments: list[Installment] = strawberry.field(description="Its installments, in order.")


@strawberry.type(description="What settles a loan in full on a date, CNY.")
class PayoffQuote:
    principal: Decimal = strawberry.field(description="Principal outstanding.")
    interest: Decimal = strawberry.field(description="Interest to the actual day.")
    penalty: Decimal = strawberry.field(description="Penalty and compound interest.")
    fees: Decimal = strawberry.field(description="Fees, the prepayment fee included.")
    total: Decimal = strawberry.field(description="The sum: what to pay.")


def _event_cursor(root: strawberry.Parent[m.JournalEntry]) -> str:
    return encode_cursor(root.id)


def _event_entry(root: strawberry.Parent[m.JournalEntry], info: Info) -> m.JournalEntry | None:
    return root if resolvers.loanbook.may_read_book(info) else None


@strawberry.type(description="A posting on a loan, as it happens.")
class LoanEvent:
    cursor: str = strawberry.field(
        resolver=_event_cursor, description="Pass as `after` to resume after this event."
    )
    kind: str = strawberry.field(description="What moved: REPAYMENT, ACCRUAL, PENALTY, ...")
    business_date: date = strawberry.field(description="The business date it belongs to.")
    posted_at: datetime = strawberry.field(description="When it was posted.")
    loan: Loan = strawberry.field(
        resolver=resolvers.loanbook.entry_loan, description="The loan after the posting."
    )
    entry: JournalEntry | None = strawberry.field(
        resolver=_event_entry,
        description="The journal entry (loan officers and risk managers; null for others).",
    )


@strawberry.type(description="Money booked against a loan, or why it was refused.")
class RepaymentPayload:
    loan: Loan | None = strawberry.field(description="The loan after it.")
    repayment: Repayment | None = strawberry.field(description="The repayment booked.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="A change to a loan, or why the request failed.")
class LoanChangePayload:
    change: LoanChange | None = strawberry.field(description="The change.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


__all__ = [
    "JournalEntry",
    "JournalLine",
    "LoanChange",
    "LoanChangeKind",
    "LoanChangePayload",
    "LoanChangeStatus",
    "LoanClassification",
    "LoanEvent",
    "LoanStatus",
    "PayoffQuote",
    "PrepaymentMode",
    "Repayment",
    "RepaymentAllocation",
    "RepaymentPayload",
    "ScheduleVersion",
    "allocation_of",
]
