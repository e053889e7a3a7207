"""Root fields of lending: applications, review, contracts, disbursement, repayment, figures."""

from __future__ import annotations

import strawberry

import resolvers.application
import resolvers.contract
import resolvers.decision
import resolvers.loan
from schema.connection import Connection
from schema.loanbook import LoanbookMutation, LoanbookQuery
from schema.types.application import ApplicationPayload, LoanApplication
from schema.types.contract import ContractPayload, ContractVerification
from schema.types.loan import Loan, LoanPayload, PortfolioStats


@strawberry.type
class LendingQuery:
    application: LoanApplication | None = strawberry.field(
        resolver=resolvers.application.application,
        description="An application by id (null when unknown or not yours).",
    )
    applications: Connection[LoanApplication] = strawberry.field(
        resolver=resolvers.application.applications,
        description="Applications the caller may see, newest first.",
    )


@strawberry.type
class LendingMutation:
    create_application: ApplicationPayload = strawberry.mutation(
        resolver=resolvers.application.create_application,
        description="Create a draft application for your enterprise.",
    )
    submit_application: ApplicationPayload = strawberry.mutation(
        resolver=resolvers.application.submit_application,
        description="Submit a draft; the automated decision follows. Honours Idempotency-Key.",
    )
    withdraw_application: ApplicationPayload = strawberry.mutation(
        resolver=resolvers.application.withdraw_application,
        description="Withdraw an application before the contract is signed.",
    )
    review_application: ApplicationPayload = strawberry.mutation(
        resolver=resolvers.decision.review_application,
        description="Staff review of an application in manual review.",
    )


@strawberry.type
class LoanQuery(LoanbookQuery):
    loan: Loan | None = strawberry.field(
        resolver=resolvers.loan.loan,
        description="A loan by id (null when unknown or not yours).",
    )
    verify_contract: ContractVerification = strawberry.field(
        resolver=resolvers.contract.verify_contract,
        description="Check a contract PDF: untouched, and each signature valid.",
    )
    portfolio_stats: PortfolioStats = strawberry.field(
        resolver=resolvers.loan.portfolio_stats,
        description="Figures for the bank's dashboard (staff).",
    )


@strawberry.type
class ContractMutation:
    accept_offer: ContractPayload = strawberry.mutation(
        resolver=resolvers.contract.accept_offer,
        description="Accept an approved offer; the contract PDF is generated.",
    )
    sign_contract: ContractPayload = strawberry.mutation(
        resolver=resolvers.contract.sign_contract,
        description="Sign, confirmed with a one-time code of the signer's second factor: the "
        "borrower first (under an event certificate issued for this signature), then the bank "
        "(PAdES B-LT: timestamped, with validation data).",
    )


@strawberry.type
class DisbursementMutation:
    disburse: LoanPayload = strawberry.mutation(
        resolver=resolvers.loan.disburse,
        description="Pay out a signed contract (staff; once only).",
    )


@strawberry.type
class RepaymentMutation(LoanbookMutation):
    record_repayment: LoanPayload = strawberry.mutation(
        resolver=resolvers.loan.record_repayment,
        description="Record money received against a loan (staff or a payment feed). "
        "Honours Idempotency-Key: a retried call records the money once.",
    )


__all__ = [
    "ContractMutation",
    "DisbursementMutation",
    "LendingMutation",
    "LendingQuery",
    "LoanQuery",
    "RepaymentMutation",
]
