"""The read API: enterprises, patents, litigation, tax; who sees what; paging."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import Enterprise, Role
from domain.world.importer import import_world_dir
from tests.factories import A, B, tiny_world, write_world
from tests.schema.helpers import make_user, run, run_raw

ENTERPRISE = """
query($uscc: String!) {
  enterpriseByUscc(uscc: $uscc) {
    id uscc name foundedOn industry region employees highTech
    patents(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
      number kind status forwardCitations owner { uscc } litigations { caseNo } } } }
    litigations { totalCount edges { node { caseNo cause amount filedOn
      parties { role enterprise { uscc } } patents { number } } } }
    taxRecords { year rating revenue arrears }
  }
}
"""


@pytest.fixture
async def world(db: str, tmp_path: Path) -> dict[str, int]:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    return dict(await Enterprise.all().values_list("uscc", "id"))


async def test_staff_reads_an_enterprise_with_nested_data(world: dict[str, int]) -> None:
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)

    data = await run(ENTERPRISE, officer, uscc=A)

    ent = data["enterpriseByUscc"]
    assert ent["name"] == "合肥量子科技有限公司"
    assert ent["patents"]["totalCount"] == 2
    assert ent["patents"]["pageInfo"]["hasNextPage"] is True
    assert ent["patents"]["edges"][0]["node"]["forwardCitations"] == 2
    assert ent["patents"]["edges"][0]["node"]["litigations"] == [{"caseNo": "(2024)皖01民初123号"}]
    lit = ent["litigations"]["edges"][0]["node"]
    assert lit["amount"] == "500000.00"
    assert lit["parties"] == [
        {"role": "plaintiff", "enterprise": {"uscc": A}},
        {"role": "defendant", "enterprise": {"uscc": B}},
    ]
    assert [t["year"] for t in ent["taxRecords"]] == [2023, 2024]


async def test_cursor_paging_walks_every_patent(world: dict[str, int]) -> None:
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    q = """query($id: ID!, $after: String) { enterprise(id: $id) {
        patents(first: 1, after: $after) { pageInfo { hasNextPage endCursor } edges { node { number } } } } }"""
    ent = (await run(ENTERPRISE, officer, uscc=A))["enterpriseByUscc"]
    seen, after = [], None
    while True:
        page = (await run(q, officer, id=ent["id"], after=after))["enterprise"]["patents"]
        seen += [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["CN110000001B", "CN210000002U"]


async def test_applicant_sees_only_its_own_enterprise(world: dict[str, int]) -> None:
    applicant = await make_user("cfo@a.cn", Role.APPLICANT, world[A])

    own = await run(ENTERPRISE, applicant, uscc=A)
    other = await run(ENTERPRISE, applicant, uscc=B)
    listing = await run(
        "{ enterprises(first: 50) { totalCount edges { node { uscc } } } }", applicant
    )
    patent_b = await run('{ patent(number: "CN110000003A") { number } }', applicant)

    assert own["enterpriseByUscc"]["uscc"] == A
    parties = own["enterpriseByUscc"]["litigations"]["edges"][0]["node"]["parties"]
    assert parties[1] == {"role": "defendant", "enterprise": None}  # B stays hidden
    assert other == {"enterpriseByUscc": None}
    assert listing["enterprises"]["totalCount"] == 1
    assert patent_b == {"patent": None}


async def test_search_by_name_and_uscc_prefix(world: dict[str, int]) -> None:
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    q = "query($s: String) { enterprises(search: $s) { totalCount edges { node { uscc } } } }"

    by_name = await run(q, officer, s="智能")
    by_prefix = await run(q, officer, s=B[:12])

    assert [e["node"]["uscc"] for e in by_name["enterprises"]["edges"]] == [B]
    assert by_prefix["enterprises"]["totalCount"] >= 1


async def test_anonymous_reads_are_refused(world: dict[str, int]) -> None:
    result = await run_raw("{ enterprises { totalCount } }", None)
    assert result.errors[0].extensions["code"] == "UNAUTHENTICATED"
    assert (await run("{ me { email } }", None)) == {"me": None}


@pytest.mark.parametrize("cursor", ["garbage", "RW50ZXJwcmlzZTox", "a" * 500])
async def test_bad_cursor_is_a_client_error(world: dict[str, int], cursor: str) -> None:
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    result = await run_raw(
        "query($c: String) { enterprises(after: $c) { totalCount } }", officer, c=cursor
    )
    assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"


async def test_page_size_is_bounded(world: dict[str, int]) -> None:
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    result = await run_raw("{ enterprises(first: 1000) { totalCount } }", officer)
    assert "between 0 and 100" in result.errors[0].message
