"""Repayment schedules: equal installments, equal principal, monthly interest with a bullet.

The math lives in `domain.loanbook.amortisation` (the loan book uses it, and lending depends on
the loan book, never the other way round); this module keeps the names lending has always used.
"""

from __future__ import annotations

from domain.loanbook.amortisation import (
    FEN,
    ZERO,
    ScheduledInstallment,
    add_months,
    build_schedule,
    equal_installment_payment,
    fen,
    monthly_rate,
    schedule_totals,
)

__all__ = [
    "FEN",
    "ZERO",
    "ScheduledInstallment",
    "add_months",
    "build_schedule",
    "equal_installment_payment",
    "fen",
    "monthly_rate",
    "schedule_totals",
]
