"""Root fields of loan products."""

from __future__ import annotations

import strawberry

import resolvers.product
from schema.types.product import LoanProduct


@strawberry.type
class ProductQuery:
    loan_products: list[LoanProduct] = strawberry.field(
        resolver=resolvers.product.loan_products, description="Loan products on offer (public)."
    )
