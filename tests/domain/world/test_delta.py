"""Delta import: a daily feed of new and changed records applied to a stored world."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from db.models import (
    Enterprise,
    Financial,
    LitigationParty,
    Patent,
    Relation,
    TaxRecord,
)
from db.neighbourhood import KeyReader
from domain.indicators.slice import neighbourhood_frames
from domain.world.importer import WorldInvalid, import_world_dir, import_world_rows
from tests.factories import A, B, C, tiny_world, write_world

ACCOUNT = {"bank": "徽商银行", "account": "6217000011112222"}


@pytest.fixture
async def stored(db: str, tmp_path: Path) -> None:
    rows = tiny_world()
    rows["enterprises"][0] |= {"settlement_account": ACCOUNT, "legal_rep_contact": "13900000001"}
    write_world(rows, tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await Enterprise.filter(uscc=A).update(registered=True)


async def test_a_delta_adds_new_updates_changed_and_leaves_the_rest(
    stored: None, tmp_path: Path
) -> None:
    base = tiny_world()
    feed = {
        # A renamed (its account left out: kept); B repeated as it is
        "enterprises": [base["enterprises"][0] | {"name": "合肥量子信息有限公司"},
                        base["enterprises"][1]],
        "relations": [{"kind": "guarantee", "from": A, "to": B, "amount": 300000,
                       "since": "2024-05-01"}, base["relations"][0]],
        "tax": [base["tax"][2] | {"rating": "C", "arrears": 0}],
        "financials": [base["financials"][1] | {"period": "2024Q4"}],
    }  # fmt: skip
    write_world(feed, tmp_path / "d")

    report = await import_world_dir(tmp_path / "d", delta=True)

    assert report.updated["enterprises"] == 1 and report.unchanged["enterprises"] == 1
    assert (report.added["relations"], report.unchanged["relations"]) == (1, 1)
    assert report.updated["tax"] == 1 and report.added["financials"] == 1
    assert report.changed_usccs == {A, B, C}
    assert report.added_usccs == []
    a = await Enterprise.get(uscc=A)
    assert a.name == "合肥量子信息有限公司" and a.registered is True
    assert a.settlement_account == ACCOUNT and a.legal_rep_contact == "13900000001"
    tax = await TaxRecord.get(enterprise__uscc=C, year=2024)
    assert (tax.rating, tax.arrears) == ("C", Decimal("0.00"))
    assert await Financial.filter(enterprise__uscc=C).count() == 2
    assert await Relation.filter(kind="guarantee", src=A, dst=B).count() == 2
    assert await KeyReader().revision() == 1


async def test_a_repeated_feed_changes_nothing(stored: None, tmp_path: Path) -> None:
    write_world(tiny_world(), tmp_path / "d")

    report = await import_world_dir(tmp_path / "d", delta=True)

    assert report.total_added == report.total_updated == 0
    assert report.changed_usccs == set()
    assert await KeyReader().revision() == 0


async def test_a_patent_sold_and_a_case_with_new_parties(stored: None) -> None:
    base = tiny_world()
    feed = {
        "patents": [base["patents"][2] | {"owner": C, "transfers": 1}],
        "litigations": [base["litigations"][0] | {
            "status": "judged", "parties": [{"uscc": A, "role": "plaintiff"},
                                            {"uscc": C, "role": "defendant"}]}],
    }  # fmt: skip

    report = await import_world_rows(feed, delta=True)

    assert (report.updated["patents"], report.updated["litigations"]) == (1, 1)
    assert report.changed_usccs == {A, B, C}  # B sold the patent and left the case
    patent = await Patent.get(number="CN110000003A").prefetch_related("owner")
    assert patent.owner.uscc == C and patent.transfers == 1  # type: ignore[union-attr]
    assert (await Patent.get(number="CN110000001B")).forward_citations == 2
    parties = await LitigationParty.filter(litigation__case_no=base["litigations"][0]["case_no"])
    ids = dict(await Enterprise.all().values_list("id", "uscc"))
    assert sorted((ids[p.enterprise_id], p.role) for p in parties) == [  # type: ignore[attr-defined]
        (A, "plaintiff"), (C, "defendant"),
    ]  # fmt: skip


async def test_a_bad_line_in_a_delta_writes_and_updates_nothing(
    stored: None, tmp_path: Path
) -> None:
    base = tiny_world()
    feed = {
        "enterprises": [base["enterprises"][0] | {"name": "改了名"}],
        "tax": [base["tax"][0] | {"rating": "D"}],
        "outcomes": [{"uscc": A, "defaulted": "maybe", "as_of": "2025-12-31"}],
    }
    write_world(feed, tmp_path / "d")

    with pytest.raises(WorldInvalid) as err:
        await import_world_dir(tmp_path / "d", delta=True)

    assert err.value.lines == ["outcomes.jsonl:1: defaulted must be true or false"]
    assert (await Enterprise.get(uscc=A)).name == base["enterprises"][0]["name"]
    assert (await TaxRecord.get(enterprise__uscc=A, year=2023)).rating == "A"
    assert await KeyReader().revision() == 0


async def test_a_delta_without_enterprises_refers_to_stored_ones(
    stored: None, tmp_path: Path
) -> None:
    write_world({"tax": [{"uscc": B, "year": 2024, "rating": "A"}]}, tmp_path / "d")

    report = await import_world_dir(tmp_path / "d", delta=True)

    assert report.added["tax"] == 1 and report.changed_usccs == {B}
    with pytest.raises(WorldInvalid):
        await import_world_dir(tmp_path / "d")  # a whole world needs its enterprises


async def test_an_update_in_place_renews_the_kept_world_wide_reads(stored: None) -> None:
    when = date(2025, 6, 30)
    before = await neighbourhood_frames([A], when)
    assert before.peers.regions.get("340200") == 1

    await import_world_rows({"enterprises": [tiny_world()["enterprises"][2] | {
        "region": "340200"}]}, delta=True)  # fmt: skip

    after = await neighbourhood_frames([A], when)
    assert after.peers.regions.get("340200") == 2
