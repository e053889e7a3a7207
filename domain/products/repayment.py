"""How a product's loans are paid back."""

from __future__ import annotations

from enum import StrEnum


class RepaymentMethod(StrEnum):
    """How a loan is paid back."""

    EQUAL_INSTALLMENT = "EQUAL_INSTALLMENT"  # 等额本息: same total every month
    EQUAL_PRINCIPAL = "EQUAL_PRINCIPAL"  # 等额本金: same principal, falling interest
    INTEREST_ONLY = "INTEREST_ONLY"  # 按月付息, 到期还本: interest monthly, principal at maturity
