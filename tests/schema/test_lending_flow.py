"""From application to disbursed loan through the API, with signatures verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import Enterprise, LoanApplication, Role
from domain.accounts import service as accounts
from domain.decision.service import assess_application
from domain.products.service import seed_products
from domain.world.importer import import_world_dir
from tests.factories import A, tiny_world, write_world
from tests.schema.helpers import make_user, run

PASSWORD = "correct horse battery"


@pytest.fixture
async def world(db: str, data_dir: Path, tmp_path: Path) -> dict[str, int]:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await seed_products()
    return dict(await Enterprise.all().values_list("uscc", "id"))


async def test_apply_decide_sign_disburse(
    world: dict[str, int], data_dir: Path, tmp_path: Path
) -> None:
    from domain.providers.directory import DirectoryProvider

    reg = await accounts.register(
        email="cfo@a.cn", password=PASSWORD, uscc=A, enterprise_name="合肥量子科技有限公司",
        provider=DirectoryProvider(tmp_path / "w"),
    )  # fmt: skip
    applicant = accounts.principal_of(reg.user)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    risk = await make_user("risk@bank.cn", Role.RISK_MANAGER)
    created = await run(
        """mutation { createApplication(input: {productCode: "IPCREDIT_IP_PLEDGE", amount: "200000.00",
          termMonths: 12, pledgedPatentNumbers: ["CN110000001B"]}) { application { id } errors { code } } }""",
        applicant,
    )
    app_id = created["createApplication"]["application"]["id"]
    await run(
        "mutation($id: ID!) { submitApplication(id: $id) { errors { code } } }",
        applicant,
        id=app_id,
    )

    await assess_application(application_id=(await LoanApplication.get()).id)
    status = (await LoanApplication.get()).status
    if status == "MANUAL_REVIEW":
        for reviewer in (officer, risk):
            await run(
                """mutation($id: ID!) { reviewApplication(id: $id, decision: APPROVE, comment: "checked")
                  { errors { code } } }""",
                reviewer,
                id=app_id,
            )
    app = (await run(
        "query($id: ID!) { application(id: $id) { status decision { outcome approvedAmount reasons { code } } } }",
        applicant, id=app_id,
    ))["application"]  # fmt: skip
    assert app["status"] == "APPROVED", app
    assert app["decision"]["reasons"], "every decision carries reason codes"

    contract = (await run(
        "mutation($id: ID!) { acceptOffer(applicationId: $id) { contract { id status sha256 } errors { code message } } }",
        applicant, id=app_id,
    ))["acceptOffer"]  # fmt: skip
    assert contract["errors"] == [], contract
    cid = contract["contract"]["id"]
    sign = "mutation($id: ID!) { signContract(contractId: $id) { contract { status signatures { signer valid } } errors { code message } } }"
    early = (
        await run(
            "mutation($id: ID!) { disburse(contractId: $id) { loan { id } errors { code } } }",
            officer,
            id=cid,
        )
    )["disburse"]
    first = (await run(sign, applicant, id=cid))["signContract"]
    second = (await run(sign, officer, id=cid))["signContract"]
    verified = (
        await run(
            "query($id: ID!) { verifyContract(id: $id) { intact detail signatures { valid } } }",
            officer,
            id=cid,
        )
    )["verifyContract"]
    loan = (await run(
        "mutation($id: ID!) { disburse(contractId: $id) { loan { principal outstanding schedule { principal interest } } errors { code } } }",
        officer, id=cid,
    ))["disburse"]  # fmt: skip
    again = (
        await run(
            "mutation($id: ID!) { disburse(contractId: $id) { loan { id } errors { code } } }",
            officer,
            id=cid,
        )
    )["disburse"]

    assert early["errors"][0]["code"] == "INVALID_STATE"
    assert first["errors"] == [], first
    assert second["contract"]["status"] == "SIGNED"
    assert len(second["contract"]["signatures"]) == 2
    assert verified["intact"] is True, verified
    assert verified["signatures"] == [{"valid": True}, {"valid": True}]
    assert loan["errors"] == []
    schedule = loan["loan"]["schedule"]
    assert sum(float(i["principal"]) for i in schedule) == pytest.approx(
        float(loan["loan"]["principal"])
    )
    assert again["errors"][0]["code"] == "INVALID_STATE"

    # a repayment retried under the same Idempotency-Key is recorded once
    from schema.context import Context
    from tests.schema.helpers import SCHEMA

    loan_id = (
        await run(
            "{ applications { edges { node { enterprise { loans { id outstanding } } } } } }",
            officer,
        )
    )["applications"]["edges"][0]["node"]["enterprise"]["loans"][0]["id"]
    pay = 'mutation($id: ID!) { recordRepayment(loanId: $id, amount: "1000.00") { loan { outstanding schedule { paid } } errors { code } } }'
    results = []
    for _ in range(3):
        r = await SCHEMA.execute(
            pay,
            variable_values={"id": loan_id},
            context_value=Context(officer, idempotency_key="pay-1"),
        )
        assert r.errors is None, r.errors
        results.append(r.data["recordRepayment"])  # type: ignore[index]
    repaid = await SCHEMA.execute(
        pay, variable_values={"id": loan_id}, context_value=Context(applicant)
    )
    from db.models import Repayment

    assert all(x["errors"] == [] for x in results)
    assert await Repayment.all().count() == 1
    assert repaid.errors[0].extensions["code"] == "FORBIDDEN"  # type: ignore[index]
