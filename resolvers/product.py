"""Loan products on offer."""

from __future__ import annotations

from db import models as m
from domain.products import active_products


async def loan_products() -> list[m.LoanProduct]:
    """The products on offer (public)."""
    return await active_products()
