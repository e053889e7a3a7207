"""Enterprises and their tax years as the API shows them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

import resolvers.application
import resolvers.consent
import resolvers.console_api
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
    from schema.types.consent import Consent, DataAccessEntry
    from schema.types.console import Neighbourhood
    from schema.types.indicator import IndicatorSeries, IndicatorValue
    from schema.types.litigation import Litigation
    from schema.types.loan import Loan
    from schema.types.patent import Patent
    from schema.types.risk_score import RiskScore
    from schema.types.warning import RiskWarning


class EnterpriseData(BasePermission):
    """An enterprise's data (every field beyond id, USCC and name): bank staff and the
    enterprise's verified users; its accounts not verified yet get UNVERIFIED."""

    message = "not allowed for this enterprise"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        resolvers.enterprise.require_enterprise_data(info, source.id)
        return True


DATA: list[type[BasePermission]] = [EnterpriseData]


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
    founded_on: date | None = strawberry.field(
        description="Date of establishment.", permission_classes=DATA
    )
    industry: str | None = strawberry.field(
        description="GB/T 4754 industry code, e.g. C39.", permission_classes=DATA
    )
    region: str | None = strawberry.field(
        description="6-digit administrative division code.", permission_classes=DATA
    )
    employees: int | None = strawberry.field(
        description="Number of employees.", permission_classes=DATA
    )
    high_tech: bool = strawberry.field(
        description="Certified high-tech enterprise.", permission_classes=DATA
    )
    patents: Connection[Annotated[Patent, strawberry.lazy("schema.types.patent")]] = (
        strawberry.field(
            resolver=resolvers.patent.enterprise_patents,
            permission_classes=DATA,
            description="The enterprise's patents, by key.",
        )
    )
    litigations: Connection[Annotated[Litigation, strawberry.lazy("schema.types.litigation")]] = (
        strawberry.field(
            resolver=resolvers.litigation.enterprise_litigations,
            permission_classes=DATA,
            description="Court cases the enterprise is a party to.",
        )
    )
    applications: Connection[
        Annotated[LoanApplication, strawberry.lazy("schema.types.application")]
    ] = strawberry.field(
        resolver=resolvers.application.enterprise_applications,
        permission_classes=DATA,
        description="The enterprise's loan applications, newest first.",
    )
    loans: list[Annotated[Loan, strawberry.lazy("schema.types.loan")]] = strawberry.field(
        resolver=resolvers.loan.enterprise_loans,
        permission_classes=DATA,
        description="The enterprise's loans.",
    )
    risk_score: Annotated[RiskScore, strawberry.lazy("schema.types.risk_score")] | None = (
        strawberry.field(
            resolver=resolvers.risk_score.enterprise_risk_score,
            permission_classes=DATA,
            description="The latest credit score, if one was computed.",
        )
    )
    indicators: list[Annotated[IndicatorValue, strawberry.lazy("schema.types.indicator")]] = (
        strawberry.field(
            resolver=resolvers.indicator.enterprise_indicators,
            permission_classes=DATA,
            description="Indicator values of the latest snapshot, in registry order.",
        )
    )
    indicator_history: list[
        Annotated[IndicatorSeries, strawberry.lazy("schema.types.indicator")]
    ] = strawberry.field(
        resolver=resolvers.indicator.enterprise_indicator_history,
        permission_classes=DATA,
        description="Indicators' values in the enterprise's `last` (1 to 60) snapshots, oldest "
        "first: the named `codes` (at most 50), else those of `category`, else all.",
    )
    warnings: Connection[Annotated[RiskWarning, strawberry.lazy("schema.types.warning")]] = (
        strawberry.field(
            resolver=resolvers.warning.enterprise_warnings,
            permission_classes=DATA,
            description="Warnings raised about the enterprise, oldest first.",
        )
    )
    tax_records: list[TaxRecord] = strawberry.field(
        resolver=resolvers.enterprise.tax_records,
        permission_classes=DATA,
        description="Tax years, oldest first.",
    )
    consents: list[Annotated[Consent, strawberry.lazy("schema.types.consent")]] = strawberry.field(
        resolver=resolvers.consent.enterprise_consents,
        permission_classes=DATA,
        description="Data authorisations of the enterprise, newest first (its verified "
        "users and bank staff).",
    )
    data_access_log: Connection[
        Annotated[DataAccessEntry, strawberry.lazy("schema.types.consent")]
    ] = strawberry.field(
        resolver=resolvers.consent.enterprise_data_access_log,
        permission_classes=DATA,
        description="Every pull of outside data about the enterprise, newest first (its "
        "verified users and bank staff).",
    )
    neighbourhood: Annotated[Neighbourhood, strawberry.lazy("schema.types.console")] | None = (
        strawberry.field(
            resolver=resolvers.console_api.enterprise_neighbourhood,
            description="Enterprises and people within `hops` (1 to 3) guarantee, shareholding, "
            "supply or officer links, for drawing; at most 150 nodes (bank staff; null to "
            "others).",
        )
    )


__all__ = ["Enterprise", "TaxRecord"]
