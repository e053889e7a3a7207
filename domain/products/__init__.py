"""Loan products: the seeded catalogue and look-ups."""

from domain.products.service import (
    get_product_by_code,
    get_product_or_raise,
    list_products,
    load_catalogue,
    products_by_ids,
    seed_products,
)

__all__ = [
    "get_product_by_code",
    "get_product_or_raise",
    "list_products",
    "load_catalogue",
    "products_by_ids",
    "seed_products",
]
