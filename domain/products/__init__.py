"""Loan products: the seeded catalogue and look-ups."""

from domain.products.repayment import RepaymentMethod
from domain.products.service import (
    active_products,
    get_product_by_code,
    get_product_or_raise,
    list_products,
    load_catalogue,
    products_by_ids,
    seed_products,
)

__all__ = [
    "RepaymentMethod",
    "active_products",
    "get_product_by_code",
    "get_product_or_raise",
    "list_products",
    "load_catalogue",
    "products_by_ids",
    "seed_products",
]
