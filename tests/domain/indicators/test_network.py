"""Network indicators: guarantees and circles, shareholding, supply, officers, neighbours."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.domain.indicators.worlds import day, firm, frames, value, values


def rel(
    kind: str, src: str, dst: str, since: str = "2020-01-01", **extra: object
) -> dict[str, object]:
    return {"kind": kind, "src": src, "dst": dst, "since": since, **extra}


RELATIONS = [
    # A -> B -> C -> A is a circle; D <-> E are mutual guarantors; F backs A; G -> H is future
    rel("guarantee", "A", "B", amount=100.0),
    rel("guarantee", "B", "C", amount=200.0),
    rel("guarantee", "C", "A", amount=300.0),
    rel("guarantee", "D", "E", amount=50.0),
    rel("guarantee", "E", "D", amount=60.0),
    rel("guarantee", "F", "A", amount=10.0),
    rel("guarantee", "G", "H", since=day(1), amount=1.0),
    rel("shareholding", "A", "B", ratio=0.6),
    rel("shareholding", "C", "B", ratio=0.4),
    rel("supply", "D", "A", amount=300.0),
    rel("supply", "E", "A", amount=100.0),
    rel("supply", "A", "B", amount=50.0),
    rel("officer", "p1", "A", role="legal_rep"),
    rel("officer", "p1", "B", role="shareholder"),
    rel("officer", "p2", "A", role="director"),
    rel("officer", "p2", "C", role="director"),
]
EVENTS = [
    {"id": "1", "uscc": "B", "occurred_at": day(-10), "type": "dishonest_listed", "payload": {}},
    {"id": "2", "uscc": "D", "occurred_at": day(-400), "type": "enforcement_listed",
     "payload": {}},
    {"id": "3", "uscc": "C", "occurred_at": day(5), "type": "dishonest_listed", "payload": {}},
    {"id": "4", "uscc": "E", "occurred_at": day(-5), "type": "legal_rep_changed", "payload": {}},
]  # fmt: skip
WORLD = frames(enterprises=[firm(u) for u in "ABCDEFGH"], relations=RELATIONS, events=EVENTS)


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return values(WORLD)


@pytest.mark.parametrize(
    ("uscc", "code", "expected"),
    [
        ("A", "net.guarantee.given.count", 1.0),
        ("A", "net.guarantee.given.amount", 100.0),
        ("A", "net.guarantee.received.count", 2.0),
        ("A", "net.guarantee.received.amount", 310.0),
        ("A", "net.guarantee.net_exposure", -210.0),
        ("A", "net.guarantee.given_to_capital", 1e-5),
        ("A", "net.guarantee.partners", 3.0),
        ("A", "net.guarantee.mutual.count", 0.0),
        ("A", "net.guarantee.in_cycle", 1.0),
        ("A", "net.guarantee.cycle_size", 3.0),
        ("A", "net.guarantee.group_size", 4.0),
        ("D", "net.guarantee.mutual.count", 1.0),
        ("D", "net.guarantee.in_cycle", 1.0),
        ("D", "net.guarantee.cycle_size", 2.0),
        ("D", "net.guarantee.group_size", 2.0),
        ("F", "net.guarantee.in_cycle", 0.0),
        ("F", "net.guarantee.cycle_size", 0.0),
        ("F", "net.guarantee.group_size", 4.0),
        ("G", "net.guarantee.given.count", 0.0),  # since after as_of
        ("G", "net.guarantee.group_size", 0.0),
        ("B", "net.shareholders.count", 3.0),
        ("B", "net.shareholders.corporate", 2.0),
        ("B", "net.shareholders.persons", 1.0),
        ("B", "net.shareholders.max_ratio", 0.6),
        ("B", "net.shareholders.hhi", 0.52),
        ("A", "net.investees.count", 1.0),
        ("A", "net.investees.ratio_sum", 0.6),
        ("A", "net.suppliers.count", 2.0),
        ("A", "net.suppliers.amount", 400.0),
        ("A", "net.suppliers.hhi", 0.625),
        ("A", "net.suppliers.top_share", 0.75),
        ("A", "net.customers.count", 1.0),
        ("A", "net.customers.amount", 50.0),
        ("A", "net.customers.hhi", 1.0),
        ("A", "net.customers.top_share", 1.0),
        ("A", "net.officer_peers.count", 2.0),
        ("A", "net.legal_rep.other_firms", 1.0),
        ("A", "net.nb.guarantee.count", 3.0),
        ("A", "net.nb.supply.count", 3.0),
        ("A", "net.nb.shareholding.count", 1.0),
        ("A", "net.nb.officer.count", 2.0),
        ("A", "net.nb.any.count", 5.0),
        ("A", "net.nb.guarantee.dishonest_listed.count", 1.0),  # B; C's listing is later
        ("A", "net.nb.officer.dishonest_listed.count", 1.0),
        ("A", "net.nb.supply.enforcement_listed.count", 1.0),
        ("A", "net.nb.guarantee.enforcement_listed.count", 0.0),
        ("A", "net.nb.any.dishonest_listed.count", 1.0),
        ("A", "net.nb.any.enforcement_listed.count", 1.0),
        ("A", "net.nb.guarantee.severe.share", 1 / 3),
        ("A", "net.nb.any.severe.share", 0.4),
        ("A", "net.nb.any.severe_365d.count", 1.0),
        ("H", "net.nb.any.count", 0.0),
    ],
)
def test_values(df: pd.DataFrame, uscc: str, code: str, expected: float) -> None:
    assert value(df, uscc, code) == pytest.approx(expected)


def test_undefined_concentrations_are_nan(df: pd.DataFrame) -> None:
    assert df.loc["H", ["net.customers.hhi", "net.shareholders.max_ratio"]].isna().all()
    assert df.loc[["H"], "net.nb.any.severe.share"].isna().all()
