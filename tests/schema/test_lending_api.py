"""Applications through the API: create, submit, withdraw, review; errors as payloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import Enterprise, LoanApplication, Role
from domain.products.service import seed_products
from domain.world.importer import import_world_dir
from tests.factories import A, B, tiny_world, write_world
from tests.schema.helpers import make_user, run

CREATE = """mutation($input: CreateApplicationInput!) { createApplication(input: $input) {
  application { id status amount termMonths pledgedPatents { number } product { code }
    enterprise { uscc } history { from to by } }
  errors { field message code } } }"""


@pytest.fixture
async def world(db: str, tmp_path: Path) -> dict[str, int]:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await seed_products()
    return dict(await Enterprise.all().values_list("uscc", "id"))


def _input(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "productCode": "IPCREDIT_IP_PLEDGE", "amount": "500000.00", "termMonths": 12,
        "purpose": "研发投入", "pledgedPatentNumbers": ["CN110000001B"],
    }  # fmt: skip
    base.update(over)
    return base


async def test_applicant_creates_and_submits(world: dict[str, int]) -> None:
    applicant = await make_user("cfo@a.cn", Role.APPLICANT, world[A])

    created = (await run(CREATE, applicant, input=_input()))["createApplication"]
    application = created["application"]
    submitted = await run(
        "mutation($id: ID!) { submitApplication(id: $id) { application { status history { to } } errors { code } } }",
        applicant,
        id=application["id"],
    )

    assert created["errors"] == []
    assert application["status"] == "DRAFT"
    assert application["amount"] == "500000.00"
    assert application["pledgedPatents"] == [{"number": "CN110000001B"}]
    assert application["history"] == [{"from": None, "to": "DRAFT", "by": "user:cfo@a.cn"}]
    assert submitted["submitApplication"]["application"]["status"] == "SUBMITTED"


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"amount": "50.00"}, "INVALID_INPUT", "amount"),
        ({"termMonths": 7}, "INVALID_INPUT", "termMonths"),
        ({"pledgedPatentNumbers": ["CN110000003A"]}, "FORBIDDEN", "pledgedPatentNumbers"),
        ({"pledgedPatentNumbers": ["CN210000002U"]}, "INVALID_INPUT", "pledgedPatentNumbers"),
        ({"productCode": "NOPE"}, "NOT_FOUND", "productCode"),
    ],
)
async def test_bad_applications_write_nothing(
    world: dict[str, int], over: dict[str, object], code: str, field: str
) -> None:
    applicant = await make_user("cfo@a.cn", Role.APPLICANT, world[A])

    result = (await run(CREATE, applicant, input=_input(**over)))["createApplication"]

    assert result["application"] is None
    assert result["errors"][0]["code"] == code, result["errors"]
    assert await LoanApplication.all().count() == 0


async def test_other_enterprise_cannot_touch_an_application(world: dict[str, int]) -> None:
    owner = await make_user("cfo@a.cn", Role.APPLICANT, world[A])
    intruder = await make_user("cfo@b.cn", Role.APPLICANT, world[B])
    application_id = (await run(CREATE, owner, input=_input()))["createApplication"]["application"][
        "id"
    ]

    seen = await run("query($id: ID!) { application(id: $id) { id } }", intruder, id=application_id)
    listing = await run("{ applications { totalCount } }", intruder)
    submit = await run(
        "mutation($id: ID!) { submitApplication(id: $id) { application { id } errors { code } } }",
        intruder,
        id=application_id,
    )

    assert seen == {"application": None}
    assert listing == {"applications": {"totalCount": 0}}
    assert submit["submitApplication"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await LoanApplication.get()).status == "DRAFT"


async def test_review_outside_manual_review_is_invalid_state(world: dict[str, int]) -> None:
    owner = await make_user("cfo@a.cn", Role.APPLICANT, world[A])
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    application_id = (await run(CREATE, owner, input=_input()))["createApplication"]["application"][
        "id"
    ]

    result = await run(
        """mutation($id: ID!) { reviewApplication(id: $id, decision: APPROVE, comment: "ok") {
          application { id } errors { code } } }""",
        officer,
        id=application_id,
    )

    assert result["reviewApplication"]["errors"][0]["code"] == "INVALID_STATE"
