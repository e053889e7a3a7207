"""Interest subsidy programmes (政信贷 / 贴息): who is eligible, enrolment at drawing, quarters.

A loan drawn on a credit line that names a subsidy programme is owed the programme's
`subsidy_rate` per year by the programme's sponsor, on top of the interest the borrower pays at
the loan's `annual_rate` (the product's pricing lowered that rate by the product's
`subsidy_rate`, so the bank earns its own rate in total). The end-of-day batch posts it per loan
per business day (`domain.loanbook.accrual.plan_subsidy`); quarterly claims are in
`domain.credit.subsidy_claims`.

Eligibility is data (the programme's `eligibility`, rules in `RULES`) and is decided once, at
drawing: `enrol_loan` records the decision in the audit log (`subsidy.enrol`), in the drawing's
transaction, and the batch pays the subsidy only to loans recorded eligible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import CreditLine, Enterprise, Loan, Role, SubsidyProgramme
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import InvalidInput

# the audit action recording, at drawing, whether a loan earns its line's subsidy
ENROL_ACTION = "subsidy.enrol"
# who files and reads claims: the bank's loan officers and risk managers
CLAIMANTS = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER})
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def require_claimant(principal: Principal) -> None:
    """Loan officers and risk managers only (FORBIDDEN otherwise)."""
    principal.require_role(*(r for r in Role if r in CLAIMANTS))


# ---------------------------------------------------------------- eligibility (data)


@dataclass(frozen=True)
class Facts:
    """What the eligibility rules read of a drawing and its borrower."""

    amount: Decimal
    high_tech: bool
    srdi: bool
    employees: int | None


def _rule_max_amount(value: Any, facts: Facts) -> str | None:
    cap = Decimal(str(value))
    return None if facts.amount <= cap else f"amount {facts.amount} above {cap}"


def _rule_min_amount(value: Any, facts: Facts) -> str | None:
    floor = Decimal(str(value))
    return None if facts.amount >= floor else f"amount {facts.amount} below {floor}"


def _rule_high_tech_or_srdi(value: Any, facts: Facts) -> str | None:
    if not value or facts.high_tech or facts.srdi:
        return None
    return "neither high-tech nor specialised-and-innovative"


def _rule_high_tech(value: Any, facts: Facts) -> str | None:
    return "not a high-tech enterprise" if value and not facts.high_tech else None


def _rule_srdi(value: Any, facts: Facts) -> str | None:
    return "not specialised-and-innovative" if value and not facts.srdi else None


def _rule_max_employees(value: Any, facts: Facts) -> str | None:
    if facts.employees is None or facts.employees <= int(value):
        return None
    return f"{facts.employees} employees, above {value}"


RULES = {
    "max_amount": _rule_max_amount,
    "min_amount": _rule_min_amount,
    "high_tech_or_srdi": _rule_high_tech_or_srdi,
    "high_tech": _rule_high_tech,
    "srdi": _rule_srdi,
    "max_employees": _rule_max_employees,
}


def ineligible_reasons(eligibility: Mapping[str, Any], facts: Facts) -> list[str]:
    """Why a drawing fails the programme's rules (empty: eligible). An unknown rule is an
    error in the programme's data, never silently passed."""
    unknown = sorted(set(eligibility) - set(RULES))
    if unknown:
        raise ValueError(f"unknown subsidy eligibility rule(s): {', '.join(unknown)}")
    return [r for key, value in sorted(eligibility.items()) if (r := RULES[key](value, facts))]


def facts_of(loan: Loan, enterprise: Enterprise) -> Facts:
    """The facts of a drawing: its principal and its borrower's flags."""
    return Facts(loan.principal, enterprise.high_tech, enterprise.srdi, enterprise.employees)


async def enrol_loan(
    loan: Loan, line: CreditLine, *, actor: str, conn: BaseDBAsyncClient
) -> bool | None:
    """Decide at drawing whether the loan earns its line's subsidy, and record the decision
    (in the drawing's transaction); None when the line has no programme."""
    if line.subsidy_programme_id is None:
        return None
    programme = await SubsidyProgramme.get(id=line.subsidy_programme_id, using_db=conn)
    enterprise = await Enterprise.get(id=loan.enterprise_id, using_db=conn)  # type: ignore[attr-defined]
    reasons = ineligible_reasons(programme.eligibility, facts_of(loan, enterprise))
    if not programme.active:
        reasons.append("the programme is closed")
    await audit.record(
        actor=actor,
        action=ENROL_ACTION,
        entity_type="loan",
        entity_id=loan.id,
        data={
            "programme": programme.code,
            "eligible": not reasons,
            "reasons": reasons,
            "subsidy_rate": str(programme.subsidy_rate),
        },
        connection=conn,
    )
    if not reasons:
        loan.subsidy_programme_id = programme.id
        await Loan.filter(id=loan.id).using_db(conn).update(subsidy_programme_id=programme.id)
    return not reasons


# ---------------------------------------------------------------- quarters


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: its label and its first and last days."""

    label: str
    start: date
    end: date


def parse_quarter(text: str) -> Quarter:
    """ "2026Q3" -> 2026-07-01 .. 2026-09-30 (INVALID_INPUT otherwise)."""
    match = _QUARTER.match(text.strip())
    if match is None:
        raise InvalidInput("quarter must look like 2026Q3", field="quarter")
    year, q = int(match[1]), int(match[2])
    start = date(year, 3 * q - 2, 1)
    following = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Quarter(f"{year}Q{q}", start, following - timedelta(days=1))


__all__ = [
    "CLAIMANTS",
    "ENROL_ACTION",
    "RULES",
    "Facts",
    "Quarter",
    "enrol_loan",
    "facts_of",
    "ineligible_reasons",
    "parse_quarter",
    "require_claimant",
]
