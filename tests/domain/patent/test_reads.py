"""Which patents a caller may see: by keys (ownerless ones too) and by number (staff only)."""

from __future__ import annotations

import pytest

from db.models import Patent
from domain.errors import NotFound
from domain.patent.reads import visible_patents
from domain.valuation.service import value_patent_for
from tests.domain.lending_fixtures import OTHER_PATENT, OWN_PATENTS, LendingWorld


async def _ids(*numbers: str) -> list[int]:
    found = {p.number: p.id for p in await Patent.filter(number__in=numbers)}
    return [found[n] for n in numbers]


async def test_visible_patents_keeps_key_order_and_ownerless_ones(world: LendingWorld) -> None:
    ownerless = await Patent.create(
        number="CN500000001B", title="无主", kind="invention", status="granted"
    )
    own_b, own_a, other = await _ids(OWN_PATENTS[1], OWN_PATENTS[0], OTHER_PATENT)
    keys = [own_b, other, ownerless.id, -1, own_a]
    seen = await visible_patents(principal=world.applicant, patent_ids=keys)
    assert [p.id for p in seen] == [own_b, ownerless.id, own_a]
    staff = await visible_patents(principal=world.officer, patent_ids=iter(keys))
    assert [p.id for p in staff] == [own_b, other, ownerless.id, own_a]


@pytest.mark.parametrize("number", [OTHER_PATENT, "CN500000001B", "X" * 33, "  ", "CN999B"])
async def test_valuing_a_patent_the_caller_may_not_see_is_not_found(
    world: LendingWorld, number: str
) -> None:
    await Patent.create(number="CN500000001B", title="无主", kind="invention", status="granted")
    with pytest.raises(NotFound) as raised:
        await value_patent_for(principal=world.applicant, number=f" {number} ")
    assert (raised.value.message, raised.value.field) == (f"no patent {number.strip()!r}", "number")
