"""A product's servicing terms: penalty surcharge, allocation order, overpayment, prepayment fee.

`LoanProduct.servicing` holds only what a product changes; everything else comes from
`DEFAULTS`. A loan copies its penalty surcharge at disbursement (`Loan.penalty_surcharge`), so a
later change to the product does not reprice penalties on loans already lent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import Loan, LoanApplication, LoanProduct


class Bucket(StrEnum):
    """What a payment can go to, in the default order of allocation.

    `overdue_*` hold what is due on or before the business date (due today included);
    `current_*` the first installment due after it (paid early)."""

    FEES = "fees"
    PENALTY = "penalty"
    OVERDUE_INTEREST = "overdue_interest"
    OVERDUE_PRINCIPAL = "overdue_principal"
    CURRENT_INTEREST = "current_interest"
    CURRENT_PRINCIPAL = "current_principal"


class Overpayment(StrEnum):
    """What happens to money beyond everything due and the current installment."""

    REFUSE = "REFUSE"  # the repayment is refused, naming the excess
    CREDIT = "CREDIT"  # held for the borrower as a credit balance, used as things fall due


DEFAULT_ORDER: tuple[Bucket, ...] = tuple(Bucket)


@dataclass(frozen=True)
class ServicingTerms:
    """How a product's loans are serviced after disbursement."""

    # penalty rate = contract rate * (1 + surcharge): +50 % by default
    penalty_surcharge: Decimal = Decimal("0.5")
    allocation_order: tuple[Bucket, ...] = DEFAULT_ORDER
    overpayment: Overpayment = Overpayment.REFUSE
    # fee on the principal prepaid, as a fraction of it (0.01 is 1 %)
    prepayment_fee_rate: Decimal = Decimal("0")
    # prepayment refused until this many days after disbursement (None: any time)
    prepayment_min_days: int | None = None


DEFAULTS = ServicingTerms()


def _fraction(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"servicing {name} {value!r} is not a number") from None
    if not number.is_finite() or number < 0 or number > 10:
        raise ValueError(f"servicing {name} {value!r} is out of range")
    return number


def _order(value: Any) -> tuple[Bucket, ...]:
    try:
        order = tuple(Bucket(str(v)) for v in value)
    except ValueError:
        raise ValueError(f"servicing allocation_order {value!r} names an unknown bucket") from None
    if sorted(order) != sorted(Bucket):
        raise ValueError("servicing allocation_order must name every bucket exactly once")
    return order


def terms_from(servicing: Mapping[str, Any] | None) -> ServicingTerms:
    """The terms a product's `servicing` JSON gives, over the defaults (pure; ValueError when
    the JSON names an unknown term or an impossible value)."""
    given = dict(servicing or {})
    unknown = set(given) - set(ServicingTerms.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown servicing terms: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    if "penalty_surcharge" in given:
        changes["penalty_surcharge"] = _fraction(given["penalty_surcharge"], "penalty_surcharge")
    if "prepayment_fee_rate" in given:
        rate = _fraction(given["prepayment_fee_rate"], "prepayment_fee_rate")
        if rate >= 1:
            raise ValueError("servicing prepayment_fee_rate must be below 1")
        changes["prepayment_fee_rate"] = rate
    if "allocation_order" in given:
        changes["allocation_order"] = _order(given["allocation_order"])
    if "overpayment" in given:
        try:
            changes["overpayment"] = Overpayment(str(given["overpayment"]))
        except ValueError:
            raise ValueError(f"servicing overpayment {given['overpayment']!r} unknown") from None
    if given.get("prepayment_min_days") is not None:
        days = given["prepayment_min_days"]
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValueError("servicing prepayment_min_days must be a whole number of days")
        changes["prepayment_min_days"] = days
    return replace(DEFAULTS, **changes)


async def terms_for_product_id(
    product_id: int, *, conn: BaseDBAsyncClient | None = None
) -> ServicingTerms:
    """The servicing terms of a product."""
    query = LoanProduct.filter(id=product_id)
    if conn is not None:
        query = query.using_db(conn)
    servicing = await query.first().values_list("servicing", flat=True)
    return terms_from(servicing)  # type: ignore[arg-type]


async def terms_for_loan(loan: Loan, *, conn: BaseDBAsyncClient | None = None) -> ServicingTerms:
    """The servicing terms of the product the loan was lent under (via its application)."""
    query = LoanApplication.filter(id=loan.application_id)  # type: ignore[attr-defined]
    if conn is not None:
        query = query.using_db(conn)
    product_id = await query.first().values_list("product_id", flat=True)
    if product_id is None:
        return DEFAULTS
    return await terms_for_product_id(int(product_id), conn=conn)  # type: ignore[call-overload]


__all__ = [
    "DEFAULTS",
    "DEFAULT_ORDER",
    "Bucket",
    "Overpayment",
    "ServicingTerms",
    "terms_for_loan",
    "terms_for_product_id",
    "terms_from",
]
