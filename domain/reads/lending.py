"""Batched reads of contracts, loans and installments for the API."""

from __future__ import annotations

from collections.abc import Sequence

from db.models import Contract, Installment, Loan, RiskScore
from domain.reads.batch import grouped


async def contracts_by_application(ids: Sequence[int]) -> list[Contract | None]:
    """The contract of each application, if any (loader-shaped call of the lending service)."""
    from domain.lending.contract import contracts_by_application_ids

    return await contracts_by_application_ids(ids=list(ids))


async def loans_by_enterprise(ids: Sequence[int]) -> list[list[Loan]]:
    """Each enterprise's loans, oldest first."""
    return await grouped(Loan, "enterprise_id", ids)


async def installments_by_loan(ids: Sequence[int]) -> list[list[Installment]]:
    """Each loan's schedule, in order (loader-shaped call of the lending service)."""
    from domain.lending.loans import installments_by_loan_ids

    return await installments_by_loan_ids(ids=ids)


async def loans_by_ids(ids: Sequence[int]) -> list[Loan | None]:
    """Loans in key order (loader-shaped call of the lending service)."""
    from domain.lending.loans import loans_by_ids as by_ids

    return await by_ids(ids=ids)


async def latest_risk_scores(enterprise_ids: Sequence[int]) -> list[RiskScore | None]:
    """The newest risk score of each enterprise (one query)."""
    rows = await RiskScore.filter(enterprise_id__in=list(set(enterprise_ids))).order_by(
        "enterprise_id", "-id"
    )
    latest: dict[int, RiskScore] = {}
    for r in rows:
        latest.setdefault(r.enterprise_id, r)
    return [latest.get(i) for i in enterprise_ids]


async def risk_scores_by_ids(ids: Sequence[int]) -> list[RiskScore | None]:
    """Risk scores in key order."""
    found = {r.id: r for r in await RiskScore.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]
