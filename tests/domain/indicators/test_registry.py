"""The registry: size, metadata, code format and version."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import fields

import pytest

from domain.indicators import registry
from domain.indicators.registry import IndicatorDefinition

CODE = re.compile(r"^[a-z]+(\.[A-Za-z0-9_]+)+$")


def test_size_and_ip_share() -> None:
    defs = registry.definitions()
    assert len(defs) >= 500
    by_category = Counter(d.category for d in defs)
    assert by_category["ip"] >= 100
    assert set(by_category) == set(registry.CATEGORIES)
    assert {d.source for d in defs} == set(registry.SOURCES)


def test_codes_unique_readable_and_ordered() -> None:
    codes = registry.codes()
    assert len(codes) == len(set(codes))
    assert all(CODE.match(c) for c in codes), [c for c in codes if not CODE.match(c)][:5]
    assert list(registry.by_code()) == codes
    assert codes == [d.code for block in registry.BLOCKS for d in block.definitions]


def test_every_definition_has_all_metadata() -> None:
    for d in registry.definitions():
        for f in fields(d):
            assert isinstance(getattr(d, f.name), str) and getattr(d, f.name).strip(), (d, f)
        assert d.direction in ("risk_up", "risk_down")


def test_descriptions_and_version() -> None:
    assert registry.descriptions()["jud.def.365d.ip_infringement.count"].startswith(
        "ip infringement cases"
    )
    version = registry.version()
    assert re.fullmatch(rf"{len(registry.definitions())}-[0-9a-f]{{12}}", version)
    assert registry.version() == version


@pytest.mark.parametrize(
    ("field", "bad"),
    [("category", "weather"), ("source", "rumour"), ("direction", "sideways")],
)
def test_definition_rejects_unknown_metadata(field: str, bad: str) -> None:
    good = {"code": "x.y", "name": "n", "category": "ip", "source": "patent", "unit": "u",
            "description": "d", "direction": "risk_up"}  # fmt: skip
    with pytest.raises(ValueError, match=field if field != "direction" else "direction"):
        IndicatorDefinition(**{**good, field: bad})  # type: ignore[arg-type]


def test_examples_of_the_grid_exist() -> None:
    codes = set(registry.codes())
    for code in ("jud.def.365d.ip_infringement.count", "jud.pl.90d.loan_dispute.amount",
                 "evt.dishonest_listed.730d.count", "ip.pledged.share",
                 "net.guarantee.in_cycle", "fin.annual.leverage", "tax.rating.score",
                 "reg.age_years"):  # fmt: skip
        assert code in codes
