# mypy: disable-error-code="assignment"
# (a field's annotation is the GraphQL type; its resolver returns the record that type reads)
"""Root field of the regulator's inclusive-finance figures."""

from __future__ import annotations

import strawberry

import resolvers.regulator
from schema.types.regulator import RegulatorReport


@strawberry.type
class RegulatorQuery:
    regulator_report: RegulatorReport = strawberry.field(
        resolver=resolvers.regulator.regulator_report,
        description="The inclusive-finance report for small and micro loans (普惠小微 两增两控) "
        "of a month (YYYY-MM): balances and growth since year start, borrowers against last "
        "year end, NPL ratio, average rate of the month's loans, first loans, tech breakdown "
        "(loan officers and risk managers). As XLSX: GET /regulator-report.xlsx?month=YYYY-MM.",
    )
