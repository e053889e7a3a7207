"""Every list resolves with a constant number of SQL queries, whatever the page size."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import Role
from domain.world.importer import import_world_rows
from domain.world.uscc import uscc_check_char
from tests.schema.helpers import count_queries, make_user, run


def _world(n: int) -> dict[str, list[dict[str, Any]]]:
    ents, patents, lits, tax = [], [], [], []
    for i in range(n):
        body = f"91340100MA{i + 100:07d}"
        u = body + uscc_check_char(body)
        ents.append({"uscc": u, "name": f"企业{i}", "status": "active"})
        for j in range(3):
            patents.append({
                "number": f"CN{i:05d}{j}B", "owner": u, "title": "t", "kind": "invention",
                "filed_on": "2020-01-01", "granted_on": "2021-01-01", "status": "granted",
            })  # fmt: skip
        tax.append({"uscc": u, "year": 2024, "rating": "B", "revenue": 100})
        if i:
            lits.append({
                "case_no": f"C{i}", "cause": "other", "status": "pending",
                "parties": [{"uscc": u, "role": "plaintiff"}, {"uscc": ents[0]["uscc"], "role": "defendant"}],
                "patents": [f"CN{i:05d}0B"],
            })  # fmt: skip
    return {"enterprises": ents, "patents": patents, "litigations": lits, "tax": tax}


LIST = """query($n: Int) { enterprises(first: $n) { totalCount edges { node {
  uscc taxRecords { year } riskScore { score } loans { id schedule { number } }
  applications(first: 2) { totalCount edges { node { id history { to } pledgedPatents { number } } } }
  warnings(first: 2) { totalCount edges { node { kind enterprise { uscc } } } }
  indicators(category: "ip") { value }
  indicatorHistory(codes: ["ip.granted.count"], last: 3) { points { value } }
  patents(first: 2) { totalCount edges { node { number owner { uscc } litigations { caseNo }
    latestValuation { value } } } }
  litigations(first: 2) { totalCount edges { node { caseNo parties { role enterprise { name } }
    patents { number } } } }
} } } }"""


@pytest.mark.parametrize("sizes", [(2, 12)])
async def test_enterprise_list_query_count_is_constant(db: str, sizes: tuple[int, int]) -> None:
    await import_world_rows(_world(14))
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    small, large = sizes

    with count_queries() as q_small:
        d1 = await run(LIST, officer, n=small)
    with count_queries() as q_large:
        d2 = await run(LIST, officer, n=large)

    assert len(d1["enterprises"]["edges"]) == small
    assert len(d2["enterprises"]["edges"]) == large
    # a bound per nesting level, independent of the page size (a cached key can save one)
    assert len(q_large) <= len(q_small) <= 23, "\n".join(q_small) + "\n-----\n" + "\n".join(q_large)
