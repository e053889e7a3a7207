"""Portfolio figures for the bank's dashboard."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from tortoise.functions import Sum

from db.models import ApplicationStatus, Enterprise, Loan, LoanApplication, RiskWarning
from domain.accounts.principal import Principal
from domain.lending.loans import LoanStatus

S = ApplicationStatus
# every status an application can only reach through approval
EVER_APPROVED = (S.APPROVED, S.OFFER_ACCEPTED, S.CONTRACT_SIGNED, S.DISBURSED)


@dataclass(frozen=True)
class PortfolioStats:
    """Counts, the outstanding balance and how fast applications are decided."""

    registered_enterprises: int
    applications: int
    approved: int
    disbursed_loans: int
    outstanding: Decimal
    open_warnings: int
    median_decision_seconds: float | None


def median_seconds(pairs: list[tuple[object, object]]) -> float | None:
    """The median of (decided - submitted) in seconds over pairs with both set (pure)."""
    spans = [
        (decided - submitted).total_seconds()  # type: ignore[operator]
        for submitted, decided in pairs
        if submitted is not None and decided is not None
    ]
    return statistics.median(spans) if spans else None


async def portfolio_stats(*, principal: Principal) -> PortfolioStats:
    """Portfolio-wide figures (staff only)."""
    principal.require_staff()
    outstanding = (
        await Loan.filter(status=LoanStatus.ACTIVE)
        .annotate(total=Sum("outstanding"))
        .first()
        .values_list("total", flat=True)
    )
    pairs = await LoanApplication.filter(
        submitted_at__isnull=False, decided_at__isnull=False
    ).values_list("submitted_at", "decided_at")
    return PortfolioStats(
        registered_enterprises=await Enterprise.filter(registered=True).count(),
        applications=await LoanApplication.exclude(status=S.DRAFT).count(),
        approved=await LoanApplication.filter(status__in=list(EVER_APPROVED)).count(),
        disbursed_loans=await Loan.all().count(),
        outstanding=Decimal(outstanding or 0).quantize(Decimal("0.01")),
        open_warnings=await RiskWarning.filter(status="OPEN").count(),
        median_decision_seconds=median_seconds(list(pairs)),
    )
