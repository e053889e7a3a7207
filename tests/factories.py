"""Tiny hand-made worlds for tests (valid USCCs, every reference resolvable)."""

from __future__ import annotations

import copy
from typing import Any

from domain.world.uscc import uscc_check_char


def uscc(n: int) -> str:
    """A valid USCC numbered n."""
    body = f"91340100MA{n:07d}"
    return body + uscc_check_char(body)


A, B, C = uscc(1), uscc(2), uscc(3)

TINY: dict[str, list[dict[str, Any]]] = {
    "enterprises": [
        {"uscc": A, "name": "合肥量子科技有限公司", "founded_on": "2015-03-01",
         "registered_capital": 5000000, "industry": "C39", "region": "340100", "employees": 80,
         "high_tech": True, "srdi": True, "status": "active", "website": "kept.example"},
        {"uscc": B, "name": "芜湖智能装备有限公司", "founded_on": "2012-06-18",
         "registered_capital": "12000000.50", "industry": "C35", "region": "340200",
         "employees": 150, "high_tech": False, "srdi": False, "status": "active"},
        {"uscc": C, "name": "蚌埠新材料有限公司", "founded_on": "2018-01-09",
         "registered_capital": 1000000, "industry": "C26", "region": "340300", "employees": 20,
         "high_tech": False, "srdi": False, "status": "liquidating"},
    ],
    "persons": [{"id": "P1", "name": "张伟"}],
    "relations": [
        {"kind": "guarantee", "from": A, "to": B, "amount": 2000000, "since": "2022-01-01"},
        {"kind": "guarantee", "from": B, "to": A, "amount": 1500000, "since": "2022-01-01"},
        {"kind": "supply", "from": C, "to": A, "amount": 800000, "since": "2021-05-01"},
        {"kind": "shareholding", "from": A, "to": C, "ratio": 0.3, "since": "2020-01-01"},
        {"kind": "officer", "from": "P1", "to": A, "role": "legal_rep", "since": "2015-03-01"},
    ],
    "patents": [
        {"number": "CN110000001B", "owner": A, "title": "量子密钥分发装置", "ipc": "H04L9/08",
         "kind": "invention", "filed_on": "2018-02-01", "granted_on": "2020-06-01",
         "status": "granted", "claims": 12, "independent_claims": 2, "inventors": 4,
         "family_size": 3, "transfers": 0, "licenses": 1, "pledged": False,
         "annuity_paid_through": "2026-02-01", "transaction_price": 1200000},
        {"number": "CN210000002U", "owner": A, "title": "一种冷却结构", "ipc": "F28D1/02",
         "kind": "utility_model", "filed_on": "2019-03-01", "granted_on": "2019-10-01",
         "status": "granted", "claims": 6, "independent_claims": 1, "inventors": 2,
         "family_size": 1, "transfers": 1, "licenses": 0, "pledged": True,
         "annuity_paid_through": "2025-03-01"},
        {"number": "CN110000003A", "owner": B, "title": "机械臂控制方法", "ipc": "B25J9/16",
         "kind": "invention", "filed_on": "2021-04-01", "granted_on": None, "status": "pending",
         "claims": 10, "independent_claims": 1, "inventors": 3, "family_size": 1,
         "transfers": 0, "licenses": 0, "pledged": False},
    ],
    "patent_citations": [
        {"citing": "CN110000003A", "cited": "CN110000001B"},
        {"citing": "CN210000002U", "cited": "CN110000001B"},
    ],
    "litigations": [
        {"case_no": "(2024)皖01民初123号", "court": "合肥市中级人民法院", "filed_on": "2024-03-01",
         "closed_on": None, "cause": "ip_infringement", "amount": 500000, "status": "pending",
         "parties": [{"uscc": A, "role": "plaintiff"}, {"uscc": B, "role": "defendant"}],
         "patents": ["CN110000001B"]},
        {"case_no": "(2023)皖02民初45号", "court": "芜湖市中级人民法院", "filed_on": "2023-05-01",
         "closed_on": "2023-11-01", "cause": "contract_dispute", "amount": "80000.00",
         "status": "judged", "outcome": "won",
         "parties": [{"uscc": B, "role": "plaintiff"}, {"uscc": C, "role": "defendant"}],
         "patents": []},
    ],
    "tax": [
        {"uscc": A, "year": 2023, "rating": "A", "revenue": 30000000, "tax_paid": 1200000,
         "arrears": 0},
        {"uscc": A, "year": 2024, "rating": "B", "revenue": 35000000, "tax_paid": 1400000,
         "arrears": 0},
        {"uscc": C, "year": 2024, "rating": "D", "revenue": 900000, "tax_paid": 1000,
         "arrears": 50000},
    ],
    "financials": [
        {"uscc": A, "period": "2024", "revenue": 35000000, "net_profit": 3000000,
         "total_assets": 60000000, "total_liabilities": 25000000, "current_assets": 30000000,
         "current_liabilities": 12000000, "cash": 8000000, "rd_expense": 4000000,
         "operating_cash_flow": 2500000},
        {"uscc": C, "period": "2024Q3", "revenue": 200000, "net_profit": -150000,
         "total_assets": 1000000, "total_liabilities": 1200000, "current_assets": 300000,
         "current_liabilities": 900000, "cash": 10000, "rd_expense": 0,
         "operating_cash_flow": -80000},
    ],
    "events": [
        {"id": "ev-1", "uscc": C, "occurred_at": "2024-06-01T09:00:00+08:00",
         "type": "dishonest_listed", "payload": {"court": "蚌埠市中级人民法院"}},
    ],
    "outcomes": [
        {"uscc": A, "defaulted": False, "as_of": "2025-12-31"},
        {"uscc": C, "defaulted": True, "as_of": "2025-12-31", "default_date": "2025-02-01"},
    ],
}  # fmt: skip


def tiny_world() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy of the tiny world."""
    return copy.deepcopy(TINY)


def write_world(rows: dict[str, list[dict[str, Any]]], directory: Any) -> None:
    """Write world rows as JSON Lines files."""
    import json

    directory.mkdir(parents=True, exist_ok=True)
    for name, items in rows.items():
        with (directory / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in items:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
