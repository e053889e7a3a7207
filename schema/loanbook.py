# mypy: disable-error-code="assignment"
# (a field's annotation is the GraphQL type; its resolver returns the record that type reads)
"""Root fields of the loan book: payoff quotes, the change inbox, portfolio analytics, the
mutations that run a loan after disbursement, and a loan's live postings."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

import resolvers.loanbook
import resolvers.loanbook_changes as changes
from schema.types.loan import LoanPayload
from schema.types.loanbook import (
    LoanChange,
    LoanChangePayload,
    LoanEvent,
    PayoffQuote,
    RepaymentPayload,
)
from schema.types.portfolio import Portfolio


@strawberry.type
class LoanbookQuery:
    payoff_quote: PayoffQuote = strawberry.field(
        resolver=resolvers.loanbook.payoff_quote,
        description="What settles the loan in full on a date: principal, interest to that day, "
        "penalty and fees (the borrower, or staff).",
    )
    portfolio: Portfolio = strawberry.field(
        resolver=resolvers.loanbook.portfolio,
        description="Portfolio analytics: PAR, NPL ratio, provisions and coverage, vintages, "
        "roll rates, concentration (loan officers and risk managers). Without `asOf`, the "
        "loans as the end-of-day batch last closed them; with it, the last month end on or "
        "before that date. As CSV: GET /portfolio.csv?asOf=YYYY-MM-DD.",
    )
    loan_changes: list[LoanChange] = strawberry.field(
        resolver=resolvers.loanbook.loan_change_inbox,
        description="Changes to loans with a status, oldest first: by default those waiting "
        "for a checker (loan officers and risk managers).",
    )


@strawberry.type
class LoanbookMutation:
    prepay: RepaymentPayload = strawberry.mutation(
        resolver=changes.prepay,
        description="Pay early (the borrower, or staff): in full without an amount or with "
        "enough, else in part, shortening the term or lowering the installment. Honours "
        "Idempotency-Key.",
    )
    record_recovery: RepaymentPayload = strawberry.mutation(
        resolver=changes.record_recovery,
        description="Money recovered on a written-off loan (staff or a payment feed). Honours "
        "Idempotency-Key.",
    )
    reclassify_loan: LoanPayload = strawberry.mutation(
        resolver=changes.reclassify_loan,
        description="Downgrade a loan's classification with a reason; never better than the "
        "rules allow (risk managers).",
    )
    restructure_loan: LoanChangePayload = strawberry.mutation(
        resolver=changes.restructure_loan,
        description="Ask for a new schedule: extra months, a new term or a new rate (loan "
        "officers and risk managers); a risk manager other than the maker approves it.",
    )
    write_off_loan: LoanChangePayload = strawberry.mutation(
        resolver=changes.write_off_loan,
        description="Ask to write a loan off (loan officers and risk managers); a risk manager "
        "other than the maker approves it.",
    )
    reverse_repayment: LoanChangePayload = strawberry.mutation(
        resolver=changes.reverse_repayment,
        description="Ask to reverse a repayment, e.g. a bounced transfer (loan officers and "
        "risk managers); a risk manager other than the maker approves it.",
    )
    approve_loan_change: LoanChangePayload = strawberry.mutation(
        resolver=changes.approve_loan_change,
        description="Approve a change someone else asked for; it is carried out at once (risk "
        "managers).",
    )
    reject_loan_change: LoanChangePayload = strawberry.mutation(
        resolver=changes.reject_loan_change,
        description="Reject a change someone else asked for (risk managers).",
    )


@strawberry.type
class LoanbookSubscription:
    loan_events: AsyncGenerator[LoanEvent, None] = strawberry.subscription(
        resolver=resolvers.loanbook.loan_events,
        description="A loan's postings as they are made (the borrower, or staff). With `after` "
        "(an event cursor), first replays every posting since, then goes live.",
    )


__all__ = ["LoanbookMutation", "LoanbookQuery", "LoanbookSubscription"]
