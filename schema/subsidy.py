# mypy: disable-error-code="assignment"
# (a field's annotation is the GraphQL type; its resolver returns the record that type reads)
"""Root fields of interest subsidy programmes: the quarter's claim statement, filing a claim,
recording the sponsor's payment."""

from __future__ import annotations

import strawberry

import resolvers.subsidy
from schema.types.subsidy import SubsidyClaimPayload, SubsidyPaymentPayload, SubsidyStatement


@strawberry.type
class SubsidyQuery:
    subsidy_statement: SubsidyStatement = strawberry.field(
        resolver=resolvers.subsidy.subsidy_statement,
        description="A subsidy programme's claim statement for a quarter (e.g. 2026Q3): per "
        "loan, the sum of its daily subsidy postings, the total and whether it reconciles to "
        "the ledger (loan officers and risk managers). As files: GET "
        "/subsidy-statement.csv or .xlsx?programme=CODE&quarter=2026Q3.",
    )


@strawberry.type
class SubsidyMutation:
    file_subsidy_claim: SubsidyClaimPayload = strawberry.mutation(
        resolver=resolvers.subsidy.file_subsidy_claim,
        description="Freeze a finished quarter's statement into the programme's claim "
        "(PERIOD_OPEN before the quarter has ended and been closed, PERIOD_CLOSED once "
        "claimed; loan officers and risk managers).",
    )
    record_subsidy_payment: SubsidyPaymentPayload = strawberry.mutation(
        resolver=resolvers.subsidy.record_subsidy_payment,
        description="The sponsor paid a claim: it becomes PAID and the subsidy receivable is "
        "cleared (loan officers and risk managers).",
    )
