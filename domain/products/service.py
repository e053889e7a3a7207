"""The product catalogue: seeded from products.json, read by applications and the API."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.batch import by_ids
from db.models import LoanProduct
from domain.errors import InvalidInput, NotFound
from domain.products.programmes import seed_programmes
from domain.products.repayment import RepaymentMethod

CATALOGUE = Path(__file__).with_name("products.json")
_FIELDS = (
    "name",
    "min_amount",
    "max_amount",
    "terms_months",
    "annual_rate",
    "repayment_method",
    "requires_pledge",
    "guarantee_on_approval",
    "guarantor_name",
    "subsidy_rate",
    "line_months",
    "revolving",
    "guarantee_programme",
    "subsidy_programme",
)
# credit-line terms a catalogue entry may leave out
_DEFAULTS: dict[str, Any] = {
    "line_months": 12,
    "revolving": True,
    "guarantee_programme": None,
    "subsidy_programme": None,
}


def load_catalogue(path: Path = CATALOGUE) -> list[dict[str, Any]]:
    """The products described in a catalogue file, checked and with Decimal money."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    products = []
    for item in raw["products"]:
        product = {key: item.get(key, _DEFAULTS.get(key)) for key in ("code", *_FIELDS)}
        for key in ("min_amount", "max_amount", "annual_rate", "subsidy_rate"):
            product[key] = Decimal(str(product[key]))
        RepaymentMethod(product["repayment_method"])
        if not (0 < product["min_amount"] <= product["max_amount"]):
            raise ValueError(f"{product['code']}: amounts out of order")
        if not product["terms_months"] or any(t < 1 for t in product["terms_months"]):
            raise ValueError(f"{product['code']}: terms must be positive")
        if product["guarantee_on_approval"] and not product["guarantor_name"]:
            raise ValueError(f"{product['code']}: guarantee on approval needs a guarantor")
        if not 1 <= product["line_months"] <= 36:
            raise ValueError(f"{product['code']}: a credit line runs one to 36 months")
        products.append(product)
    return products


async def seed_products(*, path: Path = CATALOGUE) -> list[LoanProduct]:
    """Create or update every catalogue product, and the programmes they name first (safe to
    run any number of times)."""
    await seed_programmes()
    seeded = []
    for item in load_catalogue(path):
        existing = await LoanProduct.get_or_none(code=item["code"])
        values = {key: item[key] for key in _FIELDS}
        if existing is None:
            seeded.append(await LoanProduct.create(code=item["code"], **values))
            continue
        changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
        if changed:
            existing.update_from_dict(changed)
            await existing.save(update_fields=list(changed))
        seeded.append(existing)
    return seeded


async def list_products(*, active_only: bool = True) -> list[LoanProduct]:
    """The products on offer, by code."""
    query = LoanProduct.filter(active=True) if active_only else LoanProduct.all()
    return await query.order_by("code")


async def get_product_by_code(*, code: str) -> LoanProduct | None:
    """The product with this code, if any."""
    return await LoanProduct.get_or_none(code=code)


async def get_product_or_raise(*, code: str) -> LoanProduct:
    """The active product with this code, or NOT_FOUND / INVALID_INPUT."""
    product = await get_product_by_code(code=code)
    if product is None:
        raise NotFound(f"no loan product {code!r}", field="productCode")
    if not product.active:
        raise InvalidInput(f"loan product {code!r} is no longer offered", field="productCode")
    return product


async def products_by_ids(*, ids: Iterable[int]) -> list[LoanProduct | None]:
    """Products in the order of `ids` (None where missing), in one query."""
    return await by_ids(LoanProduct, list(ids))


async def active_products() -> list[LoanProduct]:
    """Products on offer."""
    return await LoanProduct.filter(active=True).order_by("id")
