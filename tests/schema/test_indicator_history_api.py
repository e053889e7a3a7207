"""An enterprise's indicator history through the API: the last snapshots, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime

from db.models import Enterprise, IndicatorSnapshot, Role
from domain.world.importer import import_world_rows
from domain.world.uscc import uscc_check_char
from tests.schema.helpers import count_queries, make_user, run, run_raw

CODES = ["ip.granted.count", "tax.rating.score"]
HISTORY = """query($u: String!, $codes: [String!], $last: Int!) { enterpriseByUscc(uscc: $u) {
  indicatorHistory(codes: $codes, last: $last) { definition { code } points { asOf value } } } }"""


def _uscc(i: int) -> str:
    body = f"91340100MA{i + 100:07d}"
    return body + uscc_check_char(body)


async def _two_firms() -> tuple[Enterprise, Enterprise]:
    await import_world_rows(
        {
            "enterprises": [
                {"uscc": _uscc(i), "name": f"企业{i}", "status": "active"} for i in (1, 2)
            ]
        }
    )
    first, second = await Enterprise.all().order_by("id")
    return first, second


async def _snapshots(enterprise: Enterprise, months: int) -> None:
    # stored out of time order: the history follows as_of, not insertion
    for month in reversed(range(1, months + 1)):
        await IndicatorSnapshot.create(
            enterprise=enterprise,
            as_of=datetime(2025, month, 1, tzinfo=UTC),
            values={CODES[0]: month, CODES[1]: None if month == 2 else 80 + month},
            registry_version="t",
        )


async def test_history_is_the_last_snapshots_oldest_first(db: str) -> None:
    firm, other = await _two_firms()
    await _snapshots(firm, 5)
    await _snapshots(other, 2)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)

    data = await run(HISTORY, officer, u=firm.uscc, codes=CODES, last=3)

    history = data["enterpriseByUscc"]["indicatorHistory"]
    assert [s["definition"]["code"] for s in history] == CODES
    granted = history[0]["points"]
    assert [p["value"] for p in granted] == [3.0, 4.0, 5.0]
    assert [p["asOf"][:10] for p in granted] == ["2025-03-01", "2025-04-01", "2025-05-01"]
    assert [p["value"] for p in history[1]["points"]] == [83.0, 84.0, 85.0]
    # a value a snapshot could not compute stays null in its place
    older = await run(HISTORY, officer, u=firm.uscc, codes=CODES[1:], last=5)
    assert [p["value"] for p in older["enterpriseByUscc"]["indicatorHistory"][0]["points"]] == [
        81.0,
        None,
        83.0,
        84.0,
        85.0,
    ]


async def test_history_without_snapshots_has_empty_series(db: str) -> None:
    firm, _ = await _two_firms()
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)

    data = await run(HISTORY, officer, u=firm.uscc, codes=CODES, last=12)

    assert [s["points"] for s in data["enterpriseByUscc"]["indicatorHistory"]] == [[], []]


async def test_history_is_the_enterprise_data_of_its_users_and_staff_only(db: str) -> None:
    firm, other = await _two_firms()
    await _snapshots(firm, 2)
    own = await make_user("own@firm.cn", Role.APPLICANT, enterprise_id=firm.id)
    stranger = await make_user("someone@else.cn", Role.APPLICANT, enterprise_id=other.id)

    mine = await run(HISTORY, own, u=firm.uscc, codes=CODES[:1], last=2)
    theirs = await run(HISTORY, stranger, u=firm.uscc, codes=CODES[:1], last=2)

    assert [p["value"] for p in mine["enterpriseByUscc"]["indicatorHistory"][0]["points"]] == [
        1.0,
        2.0,
    ]
    # another firm's user does not see the enterprise at all
    assert theirs["enterpriseByUscc"] is None


async def test_bad_history_arguments_are_coded_client_errors(db: str) -> None:
    firm, _ = await _two_firms()
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)

    for codes, last in ((["no.such.code"], 3), (CODES, 0), (CODES, 61), ([], 3)):
        result = await run_raw(HISTORY, officer, u=firm.uscc, codes=codes, last=last)
        assert result.errors, (codes, last)
        assert result.errors[0].extensions["code"] == "BAD_USER_INPUT", (codes, last)


LIST = """query($n: Int) { enterprises(first: $n) { edges { node {
  indicatorHistory(category: "tax", last: 4) { points { value } } } } } }"""


async def test_history_of_a_list_takes_the_same_queries_for_any_length(db: str) -> None:
    await import_world_rows(
        {
            "enterprises": [
                {"uscc": _uscc(i), "name": f"企业{i}", "status": "active"} for i in range(8)
            ]
        }
    )
    for firm in await Enterprise.all():
        await _snapshots(firm, 6)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)

    with count_queries() as small:
        two = await run(LIST, officer, n=2)
    with count_queries() as large:
        eight = await run(LIST, officer, n=8)

    assert len(small) == len(large)
    assert all(
        len(series["points"]) == 4
        for edge in eight["enterprises"]["edges"]
        for series in edge["node"]["indicatorHistory"]
    )
    assert len(two["enterprises"]["edges"]) == 2
