"""The generated world's files: same arguments, same bytes; compact JSON Lines; bad arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.world.generator import FILES, generate_to_dir, generate_world, write_world

KEYS = {
    "enterprises": ["uscc", "name", "founded_on", "registered_capital", "industry", "region",
                    "employees", "high_tech", "srdi", "status", "settlement_account",
                    "legal_rep_contact"],
    "persons": ["id", "name"],
    "relations": ["kind", "from", "to", "amount", "ratio", "role", "since"],
    "patents": ["number", "owner", "title", "ipc", "kind", "filed_on", "granted_on", "status",
                "claims", "independent_claims", "inventors", "family_size", "transfers",
                "licenses", "pledged", "annuity_paid_through", "transaction_price"],
    "patent_citations": ["citing", "cited"],
    "litigations": ["case_no", "court", "filed_on", "closed_on", "cause", "amount", "status",
                    "parties", "patents", "outcome"],
    "tax": ["uscc", "year", "rating", "revenue", "tax_paid", "arrears"],
    "financials": ["uscc", "period", "revenue", "net_profit", "total_assets", "total_liabilities",
                   "current_assets", "current_liabilities", "cash", "rd_expense",
                   "operating_cash_flow"],
    "events": ["id", "uscc", "occurred_at", "type", "payload"],
    "outcomes": ["uscc", "defaulted", "as_of", "default_date"],
}  # fmt: skip


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate_to_dir(out_dir=tmp_path / "a", enterprises=400, seed=5)
    generate_to_dir(out_dir=tmp_path / "b", enterprises=400, seed=5)
    write_world(generate_world(enterprises=400, seed=5), tmp_path / "c")
    a = _files(tmp_path / "a")
    assert sorted(a) == sorted(f"{f}.jsonl" for f in FILES)
    assert a == _files(tmp_path / "b")
    assert a == _files(tmp_path / "c")


@pytest.mark.parametrize(("seed", "contagion"), [(6, 1.0), (5, 0.0)])
def test_other_seed_or_contagion_gives_other_files(
    tmp_path: Path, seed: int, contagion: float
) -> None:  # fmt: skip
    generate_to_dir(out_dir=tmp_path / "a", enterprises=400, seed=5)
    generate_to_dir(out_dir=tmp_path / "b", enterprises=400, seed=seed, contagion=contagion)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["outcomes.jsonl"] != b["outcomes.jsonl"] or a["events.jsonl"] != b["events.jsonl"]


def test_files_are_compact_utf8_json_lines_in_fixed_key_order(tmp_path: Path) -> None:
    generate_to_dir(out_dir=tmp_path, enterprises=200, seed=1)
    for name, keys in KEYS.items():
        raw = (tmp_path / f"{name}.jsonl").read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw
        text = raw.decode("utf-8")
        assert "\\u" not in text  # no ASCII escaping of Chinese text
        for line in text.splitlines()[:50]:
            row = json.loads(line)
            assert list(row) == keys, name
            assert line == json.dumps(row, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"enterprises": 2, "seed": 1}, "enterprises"),
        ({"enterprises": 10, "seed": -1}, "seed"),
        ({"enterprises": 10, "seed": 1, "contagion": -0.5}, "contagion"),
        ({"enterprises": 10, "seed": 1, "contagion": float("nan")}, "contagion"),
        ({"enterprises": 10, "seed": 1, "months": 0}, "months"),
    ],
)
def test_invalid_arguments_are_rejected(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        generate_world(**kwargs)
    assert err.value.field == field
