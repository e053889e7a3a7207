"""Pledge registration and a renewal without principal repayment, end to end through the API:
loan -> (refused before registration) -> registerPledge -> disburse -> near maturity ->
renewLoan -> submit -> assessed -> accept -> sign -> disburse -> old loan closed, new loan
linked, the ledger balanced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db.models import Installment, Loan, LoanApplication, Patent, RiskScore
from domain.decision import assess_application
from domain.loanbook.check import check_ledger
from resolvers.ids import decode_id
from tests.domain.contracts.codes import signing_code
from tests.domain.lending_fixtures import (
    OWN_PATENTS,
    LendingWorld,
    fixed_gather,
    inputs,
    make_lending_world,
)
from tests.schema.helpers import REGISTER_PLEDGE, run

CREATE = """mutation { createApplication(input: {productCode: "IPCREDIT_IP_PLEDGE",
  amount: "1000000", termMonths: 12, pledgedPatentNumbers: ["PATENT"]}) {
  application { id } errors { code } } }""".replace("PATENT", OWN_PATENTS[0])
SUBMIT = "mutation($id: ID!) { submitApplication(id: $id) { errors { code } } }"
ACCEPT = (
    "mutation($id: ID!) { acceptOffer(applicationId: $id) { contract { id } errors { code } } }"
)
SIGN = """mutation($id: ID!, $otp: String!) { signContract(contractId: $id, otp: $otp) {
  contract { status } errors { code } } }"""
DISBURSE = "mutation($id: ID!) { disburse(contractId: $id) { loan { id } errors { code } } }"
RENEW = """mutation($id: ID!) { renewLoan(loanId: $id, withoutPrincipalRepayment: true) {
  application { id amount status } errors { code message } } }"""
PATENT = (
    "query($n: String!) { patent(number: $n) { pledged pledge { registrationNumber standing } } }"
)


@pytest.fixture
async def world(db: str, data_dir: Path) -> LendingWorld:
    return await make_lending_world()


async def _approved(world: LendingWorld, application_id: str) -> None:
    assert (await run(SUBMIT, world.applicant, id=application_id))["submitApplication"][
        "errors"
    ] == []
    pk = decode_id(application_id, "LoanApplication")
    assert pk is not None
    await assess_application(application_id=pk, gather=fixed_gather(inputs()))
    assert (await LoanApplication.get(id=pk)).status == "APPROVED"


async def _signed(world: LendingWorld, application_id: str) -> str:
    accepted = (await run(ACCEPT, world.applicant, id=application_id))["acceptOffer"]
    assert accepted["errors"] == [], accepted
    cid = accepted["contract"]["id"]
    for signer in (world.applicant, world.officer):
        otp = await signing_code(signer.user_id)
        signed = (await run(SIGN, signer, id=cid, otp=otp))["signContract"]
        assert signed["errors"] == [], signed
    return str(cid)


async def _near_maturity_with_a_score(world: LendingWorld, old_id: str) -> None:
    # eleven months on (the schedule moved back), a fresh score
    old_pk = decode_id(old_id, "Loan")
    for row in await Installment.filter(loan_id=old_pk):
        row.due_on -= timedelta(days=334)
        if row.starts_on is not None:
            row.starts_on -= timedelta(days=334)
        await row.save()
    await RiskScore.create(
        enterprise_id=world.enterprise.id, score=700, grade="A", probability_of_default=0.02,
        graph_risk=0.1, as_of=datetime.now(UTC),
    )  # fmt: skip


async def _registered_and_paid(world: LendingWorld, cid: str) -> str:
    """Refused before registration; registered once (a second pledge refused); paid out."""
    refused = (await run(DISBURSE, world.officer2, id=cid))["disburse"]
    assert [e["code"] for e in refused["errors"]] == ["PLEDGE_NOT_REGISTERED"]
    today = datetime.now(UTC).date().isoformat()
    by_applicant = await run(REGISTER_PLEDGE, world.applicant, n=OWN_PATENTS[0], r="R1", d=today)
    assert by_applicant["registerPledge"]["errors"][0]["code"] == "FORBIDDEN"
    first = (await run(REGISTER_PLEDGE, world.officer, n=OWN_PATENTS[0], r="R1", d=today))[
        "registerPledge"
    ]
    assert first["errors"] == [] and first["pledge"] == {
        "registrationNumber": "R1",
        "standing": True,
    }
    second = (await run(REGISTER_PLEDGE, world.officer, n=OWN_PATENTS[0], r="R2", d=today))[
        "registerPledge"
    ]
    assert [e["code"] for e in second["errors"]] == ["ALREADY_PLEDGED"]
    seen = (await run(PATENT, world.applicant, n=OWN_PATENTS[0]))["patent"]
    assert seen == {"pledged": True, "pledge": {"registrationNumber": "R1", "standing": True}}

    paid = (await run(DISBURSE, world.officer2, id=cid))["disburse"]
    assert paid["errors"] == [], paid
    return str(paid["loan"]["id"])


async def test_renewal_without_principal_repayment_through_the_api(world: LendingWorld) -> None:
    created = (await run(CREATE, world.applicant))["createApplication"]
    application_id = created["application"]["id"]
    await _approved(world, application_id)
    cid = await _signed(world, application_id)

    old_id = await _registered_and_paid(world, cid)

    # not yet near maturity, no graph risk score: refused, naming the conditions
    early = (await run(RENEW, world.applicant, id=old_id))["renewLoan"]
    assert [e["code"] for e in early["errors"]] == ["RENEWAL_INELIGIBLE"]
    assert "NEAR_MATURITY" in early["errors"][0]["message"]
    assert "GRAPH_RISK" in early["errors"][0]["message"]

    await _near_maturity_with_a_score(world, old_id)
    renewal = (await run(RENEW, world.applicant, id=old_id))["renewLoan"]
    assert renewal["errors"] == [], renewal
    assert renewal["application"]["amount"] == "1000000.00"
    assert renewal["application"]["status"] == "DRAFT"
    await _approved(world, renewal["application"]["id"])
    new_cid = await _signed(world, renewal["application"]["id"])
    new = (await run(DISBURSE, world.officer2, id=new_cid))["disburse"]
    assert new["errors"] == [], new

    old = await Loan.get(id=decode_id(old_id, "Loan"))
    renewed = await Loan.get(id=decode_id(new["loan"]["id"], "Loan"))
    assert old.status == "CLOSED" and old.outstanding == 0
    assert renewed.status == "ACTIVE" and renewed.renewal_of_id == old.id
    assert (await Patent.get(number=OWN_PATENTS[0])).pledged
    ledger = await check_ledger()
    assert ledger.ok, ledger.problems
