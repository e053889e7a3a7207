"""From application to disbursed loan through the API, with signatures verified.

Two paths to an approved offer, each taken for certain: with models trained on a generated
world, the automated decision approves the applicant the scorecard grades best; with no model
trained yet, the application is referred and a loan officer approves it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from db.models import Enterprise, Financial, LoanApplication, Repayment, Role
from domain.accounts import service as accounts
from domain.accounts.principal import Principal
from domain.decision.service import assess_application
from domain.products.service import seed_products
from domain.providers.directory import DirectoryProvider
from domain.scoring.service import train_models
from domain.world.generator import generate_world
from domain.world.importer import import_world_dir, import_world_rows
from schema.context import Context
from tests.domain.contracts.codes import signing_code
from tests.factories import A, tiny_world, write_world
from tests.schema.helpers import SCHEMA, make_user, pledges_wanted, register_pledges, run
from tests.trust import trust

PASSWORD = "correct horse battery"
PLEDGED = "CN110000001B"
# revenue at which a 100,000 credit loan is well inside the policy's revenue-based limit
LARGE_REVENUE = Decimal("5000000")
APPLICATION = """query($id: ID!) { application(id: $id) { status
  decision { outcome approvedAmount decidedBy reasons { code } } } }"""
DISBURSE = "mutation($id: ID!) { disburse(contractId: $id) { loan { id } errors { code } } }"
SIGN = """mutation($id: ID!, $otp: String!) { signContract(contractId: $id, otp: $otp) {
  contract { status signatures { signer valid } } errors { code message } } }"""
PAY = """mutation($id: ID!) { recordRepayment(loanId: $id, amount: "1000.00") {
  loan { outstanding schedule { paid } } errors { code } } }"""


@pytest.fixture
async def world(db: str, data_dir: Path, tmp_path: Path) -> dict[str, int]:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await seed_products()
    return dict(await Enterprise.all().values_list("uscc", "id"))


async def _submitted(tmp_path: Path) -> tuple[Principal, str]:
    """A registered applicant and its submitted application's id."""
    reg = await accounts.register(
        email="cfo@a.cn", password=PASSWORD, uscc=A, enterprise_name="合肥量子科技有限公司",
        provider=DirectoryProvider(tmp_path / "w"),
    )  # fmt: skip
    applicant = accounts.principal_of(await trust(reg.user))
    created = await run(
        """mutation($n: String!) { createApplication(input: {productCode: "IPCREDIT_IP_PLEDGE",
          amount: "200000.00", termMonths: 12, pledgedPatentNumbers: [$n]}) {
          application { id } errors { code } } }""",
        applicant,
        n=PLEDGED,
    )
    application_id = created["createApplication"]["application"]["id"]
    submitted = await run(
        "mutation($id: ID!) { submitApplication(id: $id) { errors { code } } }",
        applicant,
        id=application_id,
    )
    assert submitted["submitApplication"]["errors"] == []
    return applicant, application_id


async def _accepted(applicant: Principal, application_id: str) -> str:
    """The id of the contract generated when the applicant accepts the offer."""
    accepted = (await run(
        "mutation($id: ID!) { acceptOffer(applicationId: $id) { contract { id status sha256 } errors { code message } } }",
        applicant, id=application_id,
    ))["acceptOffer"]  # fmt: skip
    assert accepted["errors"] == [], accepted
    assert accepted["contract"]["status"] == "GENERATED"
    return str(accepted["contract"]["id"])


async def _signed_and_disbursed(applicant: Principal, officer: Principal, cid: str) -> None:
    """The borrower signs, a risk manager countersigns, a second officer pays out (three people
    besides any approver), each signer with a one-time code."""
    countersigner = await make_user("risk@bank.cn", Role.RISK_MANAGER)
    payer = await make_user("payer@bank.cn", Role.LOAN_OFFICER)
    early = (await run(DISBURSE, payer, id=cid))["disburse"]
    otp = await signing_code(applicant.user_id)
    first = (await run(SIGN, applicant, id=cid, otp=otp))["signContract"]
    otp = await signing_code(countersigner.user_id)
    second = (await run(SIGN, countersigner, id=cid, otp=otp))["signContract"]
    verified = (
        await run(
            "query($id: ID!) { verifyContract(id: $id) { intact detail level signatures { valid } } }",
            officer,
            id=cid,
        )
    )["verifyContract"]
    unregistered = None
    if await pledges_wanted(contract_id=cid):
        unregistered = (await run(DISBURSE, payer, id=cid))["disburse"]
    await register_pledges(payer, contract_id=cid)
    loan = (await run(
        "mutation($id: ID!) { disburse(contractId: $id) { loan { principal outstanding schedule { principal interest } } errors { code } } }",
        payer, id=cid,
    ))["disburse"]  # fmt: skip
    again = (await run(DISBURSE, payer, id=cid))["disburse"]

    assert early["errors"][0]["code"] == "INVALID_STATE"
    if unregistered is not None:  # no money out until every pledge is registered
        assert [e["code"] for e in unregistered["errors"]] == ["PLEDGE_NOT_REGISTERED"]
    assert first["errors"] == [], first
    assert second["contract"]["status"] == "SIGNED"
    assert len(second["contract"]["signatures"]) == 2
    assert verified["intact"] is True, verified
    assert verified["level"] == "B-LT"
    assert verified["signatures"] == [{"valid": True}, {"valid": True}]
    assert loan["errors"] == []
    schedule = loan["loan"]["schedule"]
    assert sum(float(i["principal"]) for i in schedule) == pytest.approx(
        float(loan["loan"]["principal"])
    )
    assert again["errors"][0]["code"] == "INVALID_STATE"


async def _repaid_once_per_key(applicant: Principal, officer: Principal) -> None:
    """A repayment retried under the same Idempotency-Key is recorded once."""
    listed = await run(
        "{ applications { edges { node { enterprise { loans { id outstanding } } } } } }", officer
    )
    loan_id = listed["applications"]["edges"][0]["node"]["enterprise"]["loans"][0]["id"]
    results: list[Any] = []
    for _ in range(3):
        r = await SCHEMA.execute(
            PAY,
            variable_values={"id": loan_id},
            context_value=Context(officer, idempotency_key="pay-1"),
        )
        assert r.errors is None, r.errors
        results.append(r.data["recordRepayment"])  # type: ignore[index]
    by_applicant = await SCHEMA.execute(
        PAY, variable_values={"id": loan_id}, context_value=Context(applicant)
    )

    assert all(x["errors"] == [] for x in results)
    assert await Repayment.all().count() == 1
    assert by_applicant.errors[0].extensions["code"] == "FORBIDDEN"  # type: ignore[index]


async def _strongest_applicant() -> Enterprise:
    """The enterprise the trained scorecard grades best, among those a credit loan suits."""
    from domain.indicators.service import compute_and_store_snapshots
    from domain.scoring.service import active_scorecard, indicator_values, score_values

    await compute_and_store_snapshots(as_of=datetime.now(UTC))
    card = await active_scorecard()
    best: tuple[float, Enterprise] | None = None
    for firm in await Enterprise.filter(status="active").order_by("id"):
        revenue = await Financial.filter(enterprise_id=firm.id).order_by("-period").first()
        if revenue is None or revenue.revenue is None or revenue.revenue < LARGE_REVENUE:
            continue
        values, _, _ = await indicator_values(enterprise=firm, as_of=None)
        pd = score_values(card, values).probability_of_default
        if best is None or pd < best[0]:
            best = (pd, firm)
    assert best is not None, "the generated world has no large active enterprise"
    return best[1]


async def test_trained_models_approve_a_strong_applicant_to_disbursed_loan(
    db: str, data_dir: Path
) -> None:
    await import_world_rows(generate_world(enterprises=400, seed=5))
    await train_models(data_dir=data_dir)
    await seed_products()
    firm = await _strongest_applicant()
    applicant = await make_user("cfo@strong.cn", Role.APPLICANT, firm.id)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    created = await run(
        """mutation { createApplication(input: {productCode: "TECH_CREDIT", amount: "100000.00",
          termMonths: 12, pledgedPatentNumbers: []}) { application { id } errors { code } } }""",
        applicant,
    )
    application_id = created["createApplication"]["application"]["id"]
    await run(
        "mutation($id: ID!) { submitApplication(id: $id) { errors { code } } }",
        applicant,
        id=application_id,
    )

    # the real assessment: indicators, the trained scorecard, rules and the policy
    await assess_application(application_id=(await LoanApplication.get()).id)
    decided = (await run(APPLICATION, applicant, id=application_id))["application"]

    assert decided["status"] == "APPROVED", decided
    assert decided["decision"]["outcome"] == "APPROVED"
    assert decided["decision"]["decidedBy"].startswith("model:")
    assert decided["decision"]["approvedAmount"] == "100000.00"
    assert decided["decision"]["reasons"], "every decision carries reason codes"
    cid = await _accepted(applicant, application_id)
    await _signed_and_disbursed(applicant, officer, cid)
    await _repaid_once_per_key(applicant, officer)


async def test_referral_approved_by_a_loan_officer(world: dict[str, int], tmp_path: Path) -> None:
    applicant, application_id = await _submitted(tmp_path)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)

    # no model has been trained in this data directory: the assessment refers the application
    await assess_application(application_id=(await LoanApplication.get()).id)
    referred = (await run(APPLICATION, applicant, id=application_id))["application"]
    reviewed = await run(
        """mutation($id: ID!) { reviewApplication(id: $id, decision: APPROVE, comment: "checked")
          { application { status } errors { code } } }""",
        officer,
        id=application_id,
    )
    decided = (await run(APPLICATION, applicant, id=application_id))["application"]
    seen_by_staff = (await run(APPLICATION, officer, id=application_id))["application"]

    assert referred["status"] == "MANUAL_REVIEW"
    assert referred["decision"]["outcome"] == "MANUAL_REVIEW"
    assert [r["code"] for r in referred["decision"]["reasons"]] == ["DATA_UNAVAILABLE"]
    assert reviewed["reviewApplication"] == {"application": {"status": "APPROVED"}, "errors": []}
    assert decided["status"] == "APPROVED"
    assert decided["decision"]["outcome"] == "APPROVED"
    assert decided["decision"]["decidedBy"] == "bank"  # applicants never see staff emails
    assert seen_by_staff["decision"]["decidedBy"] == "user:officer@bank.cn"
    assert [r["code"] for r in decided["decision"]["reasons"]] == [
        "MANUAL_APPROVED",
        "DATA_UNAVAILABLE",
    ]
    cid = await _accepted(applicant, application_id)
    await _signed_and_disbursed(applicant, officer, cid)
