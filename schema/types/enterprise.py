"""Enterprises and their tax years as the API shows them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

import resolvers.application
import resolvers.enterprise
import resolvers.indicator
import resolvers.litigation
import resolvers.loan
import resolvers.patent
import resolvers.risk_score
import resolvers.warning
from schema.connection import Connection
from schema.fields import opaque_id

if TYPE_CHECKING:
    from schema.types.application import LoanApplication
    from schema.types.indicator import IndicatorValue
    from schema.types.litigation import Litigation
    from schema.types.loan import Loan
    from schema.types.patent import Patent
    from schema.types.risk_score import RiskScore
    from schema.types.warning import RiskWarning


@strawberry.type(description="A tax year.")
class TaxRecord:
    year: int = strawberry.field(description="Tax year.")
    rating: str = strawberry.field(description="Tax credit rating A, B, M, C or D.")
    revenue: Decimal | None = strawberry.field(description="Declared revenue, CNY.")
    arrears: Decimal | None = strawberry.field(description="Unpaid tax, CNY.")


@strawberry.type(description="An enterprise known from the business registry.")
class Enterprise:
    id: strawberry.ID = opaque_id("Enterprise")
    uscc: str = strawberry.field(description="Unified Social Credit Code (18 characters).")
    name: str = strawberry.field(description="Registered name.")
    founded_on: date | None = strawberry.field(description="Date of establishment.")
    industry: str | None = strawberry.field(description="GB/T 4754 industry code, e.g. C39.")
    region: str | None = strawberry.field(description="6-digit administrative division code.")
    employees: int | None = strawberry.field(description="Number of employees.")
    high_tech: bool = strawberry.field(description="Certified high-tech enterprise.")
    patents: Connection[Annotated[Patent, strawberry.lazy("schema.types.patent")]] = (
        strawberry.field(
            resolver=resolvers.patent.enterprise_patents,
            description="The enterprise's patents, by key.",
        )
    )
    litigations: Connection[Annotated[Litigation, strawberry.lazy("schema.types.litigation")]] = (
        strawberry.field(
            resolver=resolvers.litigation.enterprise_litigations,
            description="Court cases the enterprise is a party to.",
        )
    )
    applications: Connection[
        Annotated[LoanApplication, strawberry.lazy("schema.types.application")]
    ] = strawberry.field(
        resolver=resolvers.application.enterprise_applications,
        description="The enterprise's loan applications, newest first.",
    )
    loans: list[Annotated[Loan, strawberry.lazy("schema.types.loan")]] = strawberry.field(
        resolver=resolvers.loan.enterprise_loans, description="The enterprise's loans."
    )
    risk_score: Annotated[RiskScore, strawberry.lazy("schema.types.risk_score")] | None = (
        strawberry.field(
            resolver=resolvers.risk_score.enterprise_risk_score,
            description="The latest credit score, if one was computed.",
        )
    )
    indicators: list[Annotated[IndicatorValue, strawberry.lazy("schema.types.indicator")]] = (
        strawberry.field(
            resolver=resolvers.indicator.enterprise_indicators,
            description="Indicator values of the latest snapshot, in registry order.",
        )
    )
    warnings: Connection[Annotated[RiskWarning, strawberry.lazy("schema.types.warning")]] = (
        strawberry.field(
            resolver=resolvers.warning.enterprise_warnings,
            description="Warnings raised about the enterprise, oldest first.",
        )
    )
    tax_records: list[TaxRecord] = strawberry.field(
        resolver=resolvers.enterprise.tax_records, description="Tax years, oldest first."
    )


__all__ = ["Enterprise", "TaxRecord"]
