"""A firm's neighbourhood slice gives exactly the indicators the whole world gives."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from db.frames import WorldFrames, load_frames
from domain.indicators import slice as slicing
from domain.indicators.compute import compute_indicators
from domain.indicators.slice import neighbourhood_frames
from domain.world.generator import generate_world
from domain.world.importer import import_world_rows
from tests.factories import A, B, C, tiny_world, uscc

# before, inside and after the generated timeline (2024-01 .. 2025-12)
DATES = (pd.Timestamp("2023-06-30"), pd.Timestamp("2024-11-15 10:30"), pd.Timestamp("2026-01-31"))


def _pick(table: pd.DataFrame, mask: Any, n: int = 3) -> list[str]:
    found = [str(u) for u in table.index[np.asarray(mask, dtype=bool)]]
    assert found, "the generated world lacks a kind of firm the test needs"
    return found[:n]


def _transferors(whole: WorldFrames) -> list[str]:
    ev = whole.events[whole.events["type"] == "patent_transferred"]
    return sorted({p["from"] for p in ev["payload"] if isinstance(p, dict) and p.get("from")})


def _sample(whole: WorldFrames, table: pd.DataFrame) -> list[str]:
    """Firms of every kind the slice must get right, and some others."""
    dereg = whole.events.loc[whole.events["type"] == "deregistered", "uscc"]
    kinds = [
        _pick(table, table["net.guarantee.in_cycle"] > 0),
        _pick(table, table["net.guarantee.group_size"] == table["net.guarantee.group_size"].max()),
        _pick(table, table["jud.any.all.counterparties"] > 0),
        _pick(table, table["net.officer_peers.count"] > 0),
        _pick(table, table["net.legal_rep.other_firms"] > 0),
        _pick(table, table["net.nb.any.severe.share"] > 0),
        _pick(table, table["ip.cited.count"] > 0),
        _pick(table, table["ip.litigated.count"] > 0),
        _pick(table, table["net.shareholders.corporate"] > 0),
        _pick(table, table.index.isin(set(dereg))),
        _transferors(whole)[:3],
        list(table.index[::37]),
    ]
    assert all(kinds)
    return list(dict.fromkeys(u for kind in kinds for u in kind))


def _assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    a, b = got.to_numpy(), want.to_numpy()
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    wrong = sorted({str(want.columns[j]) for _, j in np.argwhere(~same)})
    assert not wrong, f"{len(wrong)} indicators differ, e.g. {wrong[:5]}"
    assert list(got.index) == list(want.index) and list(got.columns) == list(want.columns)


async def test_a_neighbourhood_gives_the_whole_worlds_indicators(db: str) -> None:
    await import_world_rows(generate_world(enterprises=400, seed=3))
    whole = await load_frames()
    sample = _sample(whole, compute_indicators(whole, DATES[-1]))
    assert len(sample) >= 25
    for t in DATES:
        want = compute_indicators(whole, t, sample)
        part = await neighbourhood_frames(sample, t)
        assert not part.truncated
        assert part.size() < sum(len(getattr(whole, n)) for n in whole.names()) / 4
        _assert_same(compute_indicators(part, t, sample), want)
        # one firm at a time reads a slice of its own and gets the same (grouped sums in
        # pandas depend in their last bits on the other groups: compare the same firms)
        for firm in sample[:: max(1, len(sample) // 8)]:
            alone = await neighbourhood_frames([firm], t)
            _assert_same(compute_indicators(alone, t), compute_indicators(whole, t, [firm]))


def _filler(first: int, last: int) -> dict[str, list[dict[str, Any]]]:
    """Firms first..last-1, linked among themselves only: a supply chain, officers, patents
    citing each other, suits between neighbours, statements and events."""
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "enterprises", "persons", "relations", "patents", "patent_citations", "litigations",
        "tax", "financials", "events",
    )}  # fmt: skip
    for n in range(first, last):
        me, prev = uscc(n), uscc(n - 1 if n > first else n + 1)
        rows["enterprises"].append({
            "uscc": me, "name": f"填充企业{n}", "founded_on": "2016-01-01",
            "registered_capital": 2000000, "industry": "C39", "region": "340100",
            "employees": 30, "high_tech": False, "srdi": False, "status": "active",
        })  # fmt: skip
        rows["persons"].append({"id": f"PF{n}", "name": f"员工{n}"})
        rows["relations"] += [
            {"kind": "officer", "from": f"PF{n}", "to": me, "role": "director",
             "since": "2016-01-01"},
            {"kind": "supply", "from": prev, "to": me, "amount": 100000, "since": "2020-01-01"},
        ]  # fmt: skip
        rows["patents"].append({
            "number": f"CN3{n:08d}A", "owner": me, "title": "填充专利", "ipc": "H01M10/05",
            "kind": "invention", "filed_on": "2020-01-01", "granted_on": "2022-01-01",
            "status": "granted", "claims": 8, "independent_claims": 1, "inventors": 2,
            "family_size": 1, "transfers": 0, "licenses": 0, "pledged": False,
        })  # fmt: skip
        if n > first:
            rows["patent_citations"].append({"citing": f"CN3{n:08d}A", "cited": f"CN3{n - 1:08d}A"})
            rows["litigations"].append({
                "case_no": f"(2023)填{n}号", "court": "合肥市中级人民法院", "filed_on": "2023-01-01",
                "closed_on": None, "cause": "contract_dispute", "amount": 1000,
                "status": "pending", "parties": [{"uscc": prev, "role": "plaintiff"},
                                                 {"uscc": me, "role": "defendant"}],
                "patents": [],
            })  # fmt: skip
        rows["tax"].append({"uscc": me, "year": 2023, "rating": "B", "revenue": 1000000,
                            "tax_paid": 10000, "arrears": 0})  # fmt: skip
        rows["events"].append({"id": f"evf-{n}", "uscc": me, "type": "overdue_payment",
                               "occurred_at": "2024-03-01T00:00:00+00:00",
                               "payload": {"days_past_due": 10}})  # fmt: skip
    return rows


async def test_the_slice_does_not_grow_with_the_world(db: str) -> None:
    t = pd.Timestamp("2024-06-30")
    await import_world_rows(tiny_world())
    sizes = []
    for first, last in ((100, 200), (200, 800)):
        await import_world_rows(_filler(first, last))
        whole = await load_frames()
        assert len(whole.enterprises) == last - 100 + 3
        for firm in (A, B, C):
            part = await neighbourhood_frames([firm], t)
            _assert_same(compute_indicators(part, t), compute_indicators(whole, t, [firm]))
            sizes.append(part.size())
        # the filler shares A's region and industry: its peers are counted, not read
        peers = compute_indicators(whole, t, [A]).loc[A, "reg.region.district_firms"]
        assert peers == last - 100 + 1
    assert sizes[:3] == sizes[3:]
    assert max(sizes) < 40


async def test_a_slice_serves_its_firms_at_its_date_only(db: str) -> None:
    await import_world_rows(tiny_world())
    t = pd.Timestamp("2024-06-30")
    part = await neighbourhood_frames([A], t)
    assert list(compute_indicators(part, t).index) == [A]
    with pytest.raises(ValueError, match="not read with this neighbourhood"):
        compute_indicators(part, t, [A, B])
    with pytest.raises(ValueError, match="read as of 2024-06-30"):
        compute_indicators(part, pd.Timestamp("2024-07-01"), [A])


def _chain(n: int) -> dict[str, list[dict[str, Any]]]:
    """Firms 10..10+n-1, each guaranteeing the next, the last one the first (a circle)."""
    firms = [uscc(10 + i) for i in range(n)]
    rows = tiny_world()
    rows["enterprises"] += [{**rows["enterprises"][0], "uscc": u, "name": f"担保{u}"}
                            for u in firms]  # fmt: skip
    rows["relations"] += [
        {"kind": "guarantee", "from": a, "to": b, "amount": 1000, "since": "2020-01-01"}
        for a, b in zip(firms, firms[1:] + firms[:1], strict=True)
    ]
    return rows


async def test_a_guarantee_circle_is_read_whole_up_to_the_cap(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await import_world_rows(_chain(12))
    t = pd.Timestamp("2024-06-30")
    part = await neighbourhood_frames([uscc(10)], t)
    got = compute_indicators(part, t)
    assert not part.truncated
    assert got.loc[uscc(10), "net.guarantee.cycle_size"] == 12
    assert got.loc[uscc(10), "net.guarantee.group_size"] == 12
    monkeypatch.setattr(slicing, "MAX_GUARANTEE_NODES", 5)
    cut = await neighbourhood_frames([uscc(10)], t)
    assert cut.truncated
    assert compute_indicators(cut, t).loc[uscc(10), "net.guarantee.group_size"] < 12


async def test_a_patent_sold_after_the_date_still_counts_for_the_seller(db: str) -> None:
    rows = tiny_world()
    # A sold its utility model to B at the end of 2024: on 2024-06-30 it was still A's
    rows["patents"][1]["owner"] = B
    rows["events"] += [
        {"id": f"tr-{who}", "uscc": who, "occurred_at": "2024-12-01T00:00:00+00:00",
         "type": "patent_transferred",
         "payload": {"number": "CN210000002U", "from": A, "to": B, "role": role}}
        for who, role in ((A, "assignor"), (B, "assignee"))
    ]  # fmt: skip
    await import_world_rows(json.loads(json.dumps(rows)))
    whole = await load_frames()
    for t in (pd.Timestamp("2024-06-30"), pd.Timestamp("2025-01-31")):
        for firm in (A, B):
            part = await neighbourhood_frames([firm], t)
            _assert_same(compute_indicators(part, t), compute_indicators(whole, t, [firm]))
    before = compute_indicators(whole, pd.Timestamp("2024-06-30"), [A])
    assert before.loc[A, "ip.all.count"] == 2


async def test_peers_are_counted_by_the_same_codes_as_over_the_whole_world(db: str) -> None:
    rows = tiny_world()
    base = rows["enterprises"][0]
    rows["enterprises"] += [
        {**base, "uscc": uscc(20), "region": "34010 ", "industry": "c39"},
        {**base, "uscc": uscc(21), "region": "340100", "industry": " C391"},
        {**base, "uscc": uscc(22), "region": None, "industry": None},
        {**base, "uscc": uscc(23), "founded_on": "2024-09-01"},  # not founded by then
    ]
    await import_world_rows(rows)
    whole = await load_frames()
    t = pd.Timestamp("2024-06-30")
    for firm in (A, B, uscc(20), uscc(21), uscc(22)):
        part = await neighbourhood_frames([firm], t)
        _assert_same(compute_indicators(part, t), compute_indicators(whole, t, [firm]))
    got = compute_indicators(whole, t, [A, uscc(22)])
    assert got.loc[A, "reg.region.city_firms"] == 3  # A, 20 and 21 (23 founded later)
    assert got.loc[A, "reg.industry.peer_firms"] == 3
    assert np.isnan(got.loc[uscc(22), "reg.region.city_firms"])


async def test_a_large_guarantee_group_is_read_once_until_relations_change(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.neighbourhood import KeyReader

    monkeypatch.setattr(slicing, "KEEP_GROUP", 5)
    reads: list[list[str]] = []
    linked = KeyReader.linked

    async def counted(self: KeyReader, ids: Any, *args: Any) -> Any:
        reads.append(list(ids))
        return await linked(self, ids, *args)

    monkeypatch.setattr(KeyReader, "linked", counted)
    rows = _chain(12)
    await import_world_rows(rows)
    t = pd.Timestamp("2024-06-30")
    whole = await load_frames()
    for firm in (uscc(10), uscc(15), uscc(21)):
        part = await neighbourhood_frames([firm], t)
        _assert_same(compute_indicators(part, t), compute_indicators(whole, t, [firm]))
    assert reads == [[uscc(10)]]  # the other members were served from the group kept
    # a new guarantee joins the group: read again, with the new member
    rows = {"relations": [{"kind": "guarantee", "from": uscc(15), "to": A, "amount": 5,
                           "since": "2021-01-01"}]}  # fmt: skip
    await import_world_rows(rows)
    part = await neighbourhood_frames([uscc(10)], t)
    assert compute_indicators(part, t).loc[uscc(10), "net.guarantee.group_size"] == 14
    assert len(reads) == 2
