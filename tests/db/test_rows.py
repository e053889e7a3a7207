"""Plain rows read the values the ORM reads: dates, UTC timestamps, Decimals, enums, JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.models import Model

from db import models as m
from db.batch import grouped, grouped_rows, keyset_page, pages
from db.rows import Row, select_rows
from tests.schema.lean_world import make_lean_world

MODELS = [
    m.Enterprise, m.Patent, m.TaxRecord, m.LoanApplication, m.Loan, m.Installment,
    m.RiskWarning, m.DeadLetter, m.StatusChange, m.RiskScore,
]  # fmt: skip


@pytest.fixture
async def world(db: str, tmp_path: Path) -> None:
    await make_lean_world(tmp_path / "w")


def _attrs(model: type[Model]) -> list[str]:
    meta = model._meta
    found = meta.db_native_fields + meta.db_default_fields + meta.db_complex_fields
    return sorted(attr for _, attr, _ in found)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
async def test_rows_hold_what_models_hold(world: None, model: type[Model]) -> None:
    query = model.all().order_by("id")
    whole = await query
    rows = await select_rows(query, _attrs(model))

    assert len(rows) == len(whole) > 0
    for record, row in zip(whole, rows, strict=True):
        for attr in _attrs(model):
            expected, got = getattr(record, attr), getattr(row, attr)
            assert got == expected, (model.__name__, attr)
            assert type(got) is type(expected), (model.__name__, attr)
            if hasattr(expected, "tzinfo"):
                assert got.tzinfo == expected.tzinfo, (model.__name__, attr)


async def test_a_row_has_only_the_columns_read(world: None) -> None:
    (row,) = await select_rows(m.Enterprise.filter(id=1), ["id", "uscc"])

    assert set(vars(row)) == {"id", "uscc"}
    with pytest.raises(AttributeError, match="founded_on"):
        _ = row.founded_on


async def test_keyset_pages_count_only_when_asked(world: None) -> None:
    everything = await keyset_page(m.Enterprise.all(), first=10, after=None)
    first = await keyset_page(m.Enterprise.all(), first=1, after=None, count=False, columns=["id"])
    rest = await keyset_page(
        m.Enterprise.all(), first=10, after=first.rows[0].id, count=False, columns=["name"]
    )
    newest = await keyset_page(m.Enterprise.all(), first=1, after=None, descending=True)

    assert everything.total_count == 3
    assert first.total_count is None
    assert [r.id for r in first.rows] == [1, 2]  # one more than asked: another page follows
    assert [r.id for r in rest.rows] == [2, 3]
    assert all(isinstance(r, Row) for r in first.rows + rest.rows)
    assert [r.id for r in newest.rows] == [3, 2]


async def test_grouped_and_paged_rows_match_models(world: None) -> None:
    models = await grouped(m.Patent, "owner_id", [1, 2, 3])
    rows = await grouped_rows(m.Patent, "owner_id", [1, 2, 3], ["number", "filed_on"], "id")
    paged = await pages(m.Patent, "owner_id", [1, 2], first=1, after=None, columns=["filed_on"])
    whole = await pages(m.Patent, "owner_id", [1, 2], first=1, after=None)

    assert [[(p.id, p.number, p.filed_on) for p in g] for g in models] == [
        [(r.id, r.number, r.filed_on) for r in g] for g in rows
    ]
    assert {k: [(r.id, r.filed_on) for r in v] for k, v in paged.items()} == {
        k: [(p.id, p.filed_on) for p in v] for k, v in whole.items()
    }
