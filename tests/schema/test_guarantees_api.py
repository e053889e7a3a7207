"""Guarantee programmes through the API: a GOV_SUBSIDY line's guarantee signed by the
guarantor, the drawing paid out with its fee, a default, the bank's claim (refused before the
trigger), the guarantor's payment settling the loan with the ledger balanced; and a guarantor
of another institution sees nothing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from db.models import AuditEntry, Enterprise, Guarantee, GuaranteeClaim, JournalEntry, Loan, Role
from domain.errors import InvalidState
from domain.loanbook.check import check_ledger
from resolvers.ids import encode_id
from schema.context import Context
from tests.domain.contracts.codes import signing_code
from tests.domain.credit.guarantee_world import (
    GuaranteeWorld,
    add_guaranteed_line,
    default,
    draw,
    make_guarantee_world,
    make_user,
)
from tests.factories import uscc
from tests.schema.helpers import SCHEMA, count_queries, run

SIGN = """mutation($id: ID!, $otp: String!) { signGuarantee(guaranteeId: $id, otp: $otp) {
  guarantee { status contractId programme { code guarantor } } errors { code message } } }"""
FILE = """mutation($id: ID!) { fileGuaranteeClaim(loanId: $id) {
  claim { id status outstanding amount shares { party share } dueBy loan { daysPastDue } }
  errors { code message } } }"""
PAY = """mutation($id: ID!, $amount: Decimal!) { payGuaranteeClaim(claimId: $id, amount: $amount) {
  claim { status paidAmount loan { status outstanding } } errors { code message } } }"""
LIST = """{ guarantees { id status amount fees borrowerName loans { principal guaranteeFee status }
  programme { code riskShares { party share } } } }"""
CLAIMS = "{ guaranteeClaims { id status amount guarantee { status } loan { status } } }"


@pytest.fixture
async def world(db: str, data_dir: Path) -> GuaranteeWorld:
    return await make_guarantee_world()


async def _signed(world: GuaranteeWorld) -> str:
    guarantee = await Guarantee.get(line_id=world.line.id)
    gid = encode_id("Guarantee", guarantee.id)
    otp = await signing_code(world.guarantor.user_id)
    signed = (await run(SIGN, world.guarantor, id=gid, otp=otp))["signGuarantee"]
    assert signed["errors"] == [], signed
    assert signed["guarantee"]["status"] == "ACTIVE"
    assert signed["guarantee"]["programme"] == {"code": "JDJB_TECH",
                                                "guarantor": "市科技融资担保有限公司"}  # fmt: skip
    return gid


async def test_guaranteed_loan_defaults_is_claimed_and_settled_by_the_guarantor(
    world: GuaranteeWorld,
) -> None:
    # nothing is drawn before the guarantor signs
    with pytest.raises(InvalidState) as refused:
        await draw(world)
    assert refused.value.code == "GUARANTEE_NOT_SIGNED"
    # the wrong institution cannot sign, nor can the bank
    guarantee = await Guarantee.get(line_id=world.line.id)
    gid = encode_id("Guarantee", guarantee.id)
    for stranger in (world.other_guarantor, world.risk):
        otp = await signing_code(stranger.user_id)
        wrong = (await run(SIGN, stranger, id=gid, otp=otp))["signGuarantee"]
        assert wrong["errors"][0]["code"] in ("NOT_FOUND", "FORBIDDEN"), wrong
    await _signed(world)
    contract_id = encode_id("Contract", (await Guarantee.get(id=guarantee.id)).contract_id or 0)
    verified = (await run(
        "query($id: ID!) { verifyContract(id: $id) { intact signatures { signer valid } } }",
        world.risk, id=contract_id,
    ))["verifyContract"]  # fmt: skip
    assert verified["intact"] and verified["signatures"][0]["valid"], verified

    loan = await draw(world)
    lid = encode_id("Loan", loan.id)
    # GOVERNMENT pays the fee: nothing posted on the loan, the fee computed for its statement
    assert not await JournalEntry.filter(key=f"guarantee_fee:{loan.id}").exists()
    assert await AuditEntry.filter(action="guarantee.fee").count() == 1
    listed = (await run(LIST, world.guarantor))["guarantees"]
    assert listed[0]["fees"] == "2000.00"
    assert listed[0]["loans"] == [{"principal": "400000.00", "guaranteeFee": "2000.00",
                                   "status": "ACTIVE"}]  # fmt: skip

    claim, owed = await _claimed(world, loan, lid)
    await _paid_by_the_guarantor(world, loan, claim, owed)


async def _claimed(world: GuaranteeWorld, loan: Loan, lid: str) -> tuple[dict, Decimal]:  # type: ignore[type-arg]
    """The bank's claim, refused before the trigger and filed once from it on."""
    # before the trigger: refused, nothing written
    await default(loan, 89)
    early = (await run(FILE, world.officer, id=lid))["fileGuaranteeClaim"]
    assert early["errors"][0]["code"] == "CLAIM_NOT_DUE"
    assert await GuaranteeClaim.all().count() == 0
    # the guarantor cannot file; the bank can from the trigger on, once (retries: one claim)
    by_guarantor = (await run(FILE, world.guarantor, id=lid))["fileGuaranteeClaim"]
    assert by_guarantor["errors"][0]["code"] == "FORBIDDEN"
    owed = (await default(loan, 95)).outstanding
    results = []
    for _ in range(2):
        r = await SCHEMA.execute(FILE, variable_values={"id": lid},
                                 context_value=Context(world.officer, idempotency_key="claim-1"))  # fmt: skip
        assert r.errors is None, r.errors
        results.append(r.data["fileGuaranteeClaim"])  # type: ignore[index]
    assert results[0] == results[1] and results[0]["errors"] == []
    again = (await run(FILE, world.risk, id=lid))["fileGuaranteeClaim"]
    assert again["errors"][0]["code"] == "DUPLICATE"
    claim = results[0]["claim"]
    assert Decimal(claim["outstanding"]) == owed
    assert Decimal(claim["amount"]) == owed - Decimal(
        next(s["share"] for s in claim["shares"] if s["party"] == "BANK")
    )
    assert sum(Decimal(s["share"]) for s in claim["shares"]) == owed
    assert claim["status"] == "FILED" and claim["loan"]["daysPastDue"] == 95

    return claim, owed


async def _paid_by_the_guarantor(
    world: GuaranteeWorld,
    loan: Loan,
    claim: dict,
    owed: Decimal,  # type: ignore[type-arg]
) -> None:
    """Another institution cannot pay; the guarantor pays once: the loan is settled."""
    # another institution sees nothing and cannot pay
    assert (await run(LIST, world.other_guarantor))["guarantees"] == []
    assert (await run(CLAIMS, world.other_guarantor))["guaranteeClaims"] == []
    foreign = (await run(PAY, world.other_guarantor, id=claim["id"],
                         amount=claim["amount"]))["payGuaranteeClaim"]  # fmt: skip
    assert foreign["errors"][0]["code"] == "NOT_FOUND"
    short = (await run(PAY, world.guarantor, id=claim["id"], amount="1.00"))["payGuaranteeClaim"]
    assert short["errors"][0]["code"] == "INVALID_INPUT"

    # the guarantor pays its shares: the loan is settled, the bank's share written off
    paid = []
    for _ in range(2):
        r = await SCHEMA.execute(PAY, variable_values={"id": claim["id"], "amount": claim["amount"]},
                                 context_value=Context(world.guarantor, idempotency_key="pay-1"))  # fmt: skip
        assert r.errors is None, r.errors
        paid.append(r.data["payGuaranteeClaim"])  # type: ignore[index]
    assert paid[0] == paid[1] and paid[0]["errors"] == [], paid
    assert paid[0]["claim"]["status"] == "PAID"
    assert paid[0]["claim"]["loan"] == {"status": "SETTLED_BY_GUARANTOR", "outstanding": "0.00"}
    settled = await Loan.get(id=loan.id)
    bank_share = owed - Decimal(claim["amount"])
    assert settled.written_off_outstanding == bank_share
    assert settled.classification == "LOSS"
    assert await JournalEntry.filter(kind="GUARANTEE_CLAIM").count() == 1
    check = await check_ledger()
    assert check.ok, check.problems
    seen = (await run(CLAIMS, world.guarantor))["guaranteeClaims"]
    assert [c["status"] for c in seen] == ["PAID"]
    assert seen[0]["guarantee"]["status"] == "CLAIMED"


async def test_guarantor_reads_nothing_of_the_bank(world: GuaranteeWorld) -> None:
    reads = {
        "{ enterprises { totalCount } }": ("enterprises",),
        "{ applications { totalCount } }": ("applications",),
    }
    for query in reads:
        result = await SCHEMA.execute(query, context_value=Context(world.guarantor))
        data = result.data or {}
        value = next(iter(data.values()), None) if data else None
        assert result.errors or not value or value.get("totalCount") == 0, (query, result)
    refused = await SCHEMA.execute(LIST, context_value=Context(world.applicant))
    assert refused.errors and refused.errors[0].extensions["code"] == "FORBIDDEN"


async def test_guarantee_lists_take_a_constant_number_of_queries(world: GuaranteeWorld) -> None:
    await _signed(world)
    await draw(world)
    with count_queries() as one:
        await run(LIST, world.risk)
    extra = await make_guarantee_world_again(world)
    await draw(extra)
    with count_queries() as two:
        listed = (await run(LIST, world.risk))["guarantees"]
    assert len(listed) == 2
    assert len(two) == len(one)


async def make_guarantee_world_again(world: GuaranteeWorld) -> GuaranteeWorld:
    """A second guaranteed line (another borrower's), signed."""
    firm = await Enterprise.create(uscc=uscc(702), name="合肥第二科技有限公司", registered=True,
                                   srdi=True)  # fmt: skip
    applicant = await make_user("cfo2@g.example", Role.APPLICANT, enterprise_id=firm.id)
    application, line = await add_guaranteed_line(firm.id, applicant)
    await Guarantee.filter(line_id=line.id).update(status="ACTIVE")
    return replace(world, line=line, application=application)
