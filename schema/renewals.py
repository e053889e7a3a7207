"""Renewals (续贷): the root field starting a renewal application."""

from __future__ import annotations

import strawberry

import resolvers.renewal
from schema.types.application import ApplicationPayload


@strawberry.type
class RenewalMutation:
    renew_loan: ApplicationPayload = strawberry.mutation(
        resolver=resolvers.renewal.renew_loan,
        description="The borrower asks to renew its loan near maturity: a draft renewal "
        "application (same product and pledged patents) to submit for assessment on fresh "
        "data. Without principal repayment its amount is the principal outstanding and its "
        "disbursement settles the old loan. RENEWAL_INELIGIBLE names every condition not met.",
    )


__all__ = ["RenewalMutation"]
