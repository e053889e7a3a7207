"""Batched reads of contracts, loans and installments for the API."""

from __future__ import annotations

from collections.abc import Sequence

from db.models import Contract, Installment, Loan, RiskScore
from domain.reads.batch import grouped


async def contracts_by_application(ids: Sequence[int]) -> list[Contract | None]:
    """The contract of each application, if any."""
    found = {c.application_id: c for c in await Contract.filter(application_id__in=list(set(ids)))}
    return [found.get(i) for i in ids]


async def loans_by_enterprise(ids: Sequence[int]) -> list[list[Loan]]:
    """Each enterprise's loans, oldest first."""
    return await grouped(Loan, "enterprise_id", ids)


async def installments_by_loan(ids: Sequence[int]) -> list[list[Installment]]:
    """Each loan's schedule, in order."""
    return await grouped(Installment, "loan_id", ids, order="number")


async def loans_by_ids(ids: Sequence[int]) -> list[Loan | None]:
    """Loans in key order."""
    found = {r.id: r for r in await Loan.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]


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
