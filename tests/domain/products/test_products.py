"""The seeded product catalogue."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from db.models import LoanProduct
from domain.errors import DomainError, ErrorCode
from domain.products import (
    get_product_or_raise,
    list_products,
    load_catalogue,
    products_by_ids,
    seed_products,
)
from domain.products.service import CATALOGUE


async def test_seeding_twice_changes_nothing(db: str) -> None:
    first = await seed_products()
    second = await seed_products()
    assert [p.id for p in first] == [p.id for p in second]
    assert await LoanProduct.all().count() == 3


async def test_the_three_products(db: str) -> None:
    await seed_products()
    products = {p.code: p for p in await list_products()}
    assert set(products) == {"IPCREDIT_IP_PLEDGE", "TECH_CREDIT", "GOV_SUBSIDY"}
    pledge, credit, gov = (
        products[c] for c in ("IPCREDIT_IP_PLEDGE", "TECH_CREDIT", "GOV_SUBSIDY")
    )
    assert pledge.name == "知识产权质押贷" and pledge.requires_pledge
    assert credit.name == "科技信用贷" and not credit.requires_pledge
    assert gov.name == "政信贷" and gov.guarantee_on_approval and gov.guarantor_name
    assert gov.subsidy_rate == Decimal("0.010000")
    assert {p.repayment_method for p in products.values()} == {
        "INTEREST_ONLY", "EQUAL_INSTALLMENT", "EQUAL_PRINCIPAL",
    }  # fmt: skip


async def test_seeding_updates_a_changed_product(db: str) -> None:
    await seed_products()
    await LoanProduct.filter(code="TECH_CREDIT").update(max_amount=Decimal("1"))
    await seed_products()
    assert (await LoanProduct.get(code="TECH_CREDIT")).max_amount == Decimal("3000000.00")


async def test_lookups(db: str) -> None:
    seeded = await seed_products()
    found = await products_by_ids(ids=[seeded[1].id, 999])
    assert found[0] is not None and found[0].code == seeded[1].code and found[1] is None
    with pytest.raises(DomainError) as err:
        await get_product_or_raise(code="NOPE")
    assert err.value.code is ErrorCode.NOT_FOUND
    await LoanProduct.filter(code="TECH_CREDIT").update(active=False)
    with pytest.raises(DomainError) as err:
        await get_product_or_raise(code="TECH_CREDIT")
    assert err.value.code is ErrorCode.INVALID_INPUT
    assert "TECH_CREDIT" not in {p.code for p in await list_products()}


@pytest.mark.parametrize(
    "breakage",
    [
        {"repayment_method": "WHENEVER"},
        {"min_amount": "9000000000"},
        {"terms_months": []},
        {"guarantee_on_approval": True, "guarantor_name": None},
    ],
)
def test_bad_catalogue_is_refused(tmp_path: Path, breakage: dict[str, object]) -> None:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    data["products"][0].update(breakage)
    path = tmp_path / "products.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError):  # noqa: PT011
        load_catalogue(path)
