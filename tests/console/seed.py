"""The small world the console's browser tests run against: staff of every role with known
passwords and second factors, an application in MANUAL_REVIEW above the four-eyes amount, a
disbursed loan, and a guaranteed credit line awaiting its guarantor.

Run in the live server's process before it serves (see conftest.py); what the tests need to
know (emails, TOTP secrets, ids) is written to a JSON file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db.models import Enterprise, LoanApplication, Role, User
from domain.accounts import service
from domain.accounts.principal import Principal
from domain.decision.policy import Policy
from domain.decision.refresh import Refreshed
from domain.decision.service import assess_application
from domain.indicators.service import compute_and_store_snapshots
from domain.products.service import seed_products
from domain.world.importer import import_world_dir
from tests.domain.contracts import codes
from tests.domain.credit.guarantee_world import add_guaranteed_line
from tests.factories import A, B, tiny_world, write_world
from tests.schema.helpers import pledges_wanted, register_pledges, run
from tests.trust import trust

PASSWORD = "correct horse battery"
# role -> the account the tests sign in with (money roles have a second factor)
STAFF = {
    "LOAN_OFFICER": "officer@bank.cn",
    "LOAN_OFFICER_2": "officer2@bank.cn",
    "RISK_MANAGER": "risk@bank.cn",
    # a fourth money role: approvals, the bank's countersignature and the payout are each
    # someone else's, so a four-eyes loan needs four people to reach the borrower
    "RISK_MANAGER_2": "risk2@bank.cn",
    "ADMIN": "admin@bank.cn",
    "GUARANTOR": "guarantor@kjdb.cn",
    # a loan officer who has not enrolled a second factor yet
    "NEW_OFFICER": "newbie@bank.cn",
}
PLEDGED = "CN110000001B"
REVIEW_AMOUNT = "4000000.00"  # above the four-eyes amount (3,000,000)
LOAN_AMOUNT = "100000.00"

CREATE = """mutation($p: String!, $a: Decimal!, $n: [String!]!) { createApplication(input:
  {productCode: $p, amount: $a, termMonths: 12, pledgedPatentNumbers: $n}) {
  application { id } errors { code message } } }"""
SUBMIT = "mutation($id: ID!) { submitApplication(id: $id) { errors { code message } } }"
REVIEW = """mutation($id: ID!) { reviewApplication(id: $id, decision: APPROVE, comment: "seeded")
  { application { status } errors { code message } } }"""
ACCEPT = "mutation($id: ID!) { acceptOffer(applicationId: $id) { contract { id } errors { code message } } }"
SIGN = """mutation($id: ID!, $otp: String!) { signContract(contractId: $id, otp: $otp) {
  contract { status } errors { code message } } }"""
DISBURSE = (
    "mutation($id: ID!) { disburse(contractId: $id) { loan { id } errors { code message } } }"
)


def _principal(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        role=Role(user.role),
        enterprise_id=user.enterprise_id,  # type: ignore[attr-defined]
        institution_id=user.institution_id,  # type: ignore[attr-defined]
    )


async def _staff(email: str, role: Role, institution: str | None = None) -> User:
    return await service.create_staff_user(
        email=email, password=PASSWORD, role=role, institution=institution
    )


async def _applicant(email: str, uscc: str) -> Principal:
    from domain.accounts.passwords import hash_password

    ent = await Enterprise.get(uscc=uscc)
    user = await trust(
        await User.create(
            email=email, password_hash=hash_password(PASSWORD), role=Role.APPLICANT,
            enterprise_id=ent.id,
        )
    )  # fmt: skip
    return _principal(user)


async def _as_stored(application: LoanApplication, policy: Policy) -> Refreshed:
    """No outside data source in this world: the assessment decides on what is stored."""
    return Refreshed()


def _ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["errors"] == [], payload
    return payload


async def _submitted(applicant: Principal, product: str, amount: str, pledged: list[str]) -> str:
    created = _ok(
        (await run(CREATE, applicant, p=product, a=amount, n=pledged))["createApplication"]
    )
    app_id = str(created["application"]["id"])
    _ok((await run(SUBMIT, applicant, id=app_id))["submitApplication"])
    # no model is trained in this data directory: the assessment refers it to people
    latest = await LoanApplication.filter(created_by_id=applicant.user_id).order_by("-id").first()
    assert latest is not None
    await assess_application(application_id=latest.id, refresh=_as_stored)
    status = (await LoanApplication.get(id=latest.id)).status
    assert str(status.value if hasattr(status, "value") else status) == "MANUAL_REVIEW", status
    return app_id


async def _disbursed_loan(applicant: Principal, officer: Principal) -> str:
    """A TECH_CREDIT loan of B: referred, approved, accepted, signed by both, paid out."""
    app_id = await _submitted(applicant, "TECH_CREDIT", LOAN_AMOUNT, [])
    _ok((await run(REVIEW, officer, id=app_id))["reviewApplication"])
    contract = _ok((await run(ACCEPT, applicant, id=app_id))["acceptOffer"])["contract"]["id"]
    signer = _principal(await _staff("signer@bank.cn", Role.RISK_MANAGER))
    payer = _principal(await _staff("payer@bank.cn", Role.LOAN_OFFICER))
    for who in (applicant, signer):
        otp = await codes.signing_code(who.user_id)
        _ok((await run(SIGN, who, id=contract, otp=otp))["signContract"])
    if await pledges_wanted(contract_id=contract):
        await register_pledges(payer, contract_id=contract)
    loan = _ok((await run(DISBURSE, payer, id=contract))["disburse"])
    return str(loan["loan"]["id"])


async def seed(world: Path, out: Path) -> dict[str, Any]:
    """Seed the world (database already open) and write what the tests need to `out`."""
    write_world(tiny_world(), world)
    await import_world_dir(world)
    # earlier snapshots (before the assessments take theirs), so Borrower 360 has trends to draw
    for month in (3, 6, 9):
        await compute_and_store_snapshots(as_of=datetime(2024, month, 1, tzinfo=UTC), usccs=[A])
    await seed_products()
    users = {
        "LOAN_OFFICER": await _staff(STAFF["LOAN_OFFICER"], Role.LOAN_OFFICER),
        "LOAN_OFFICER_2": await _staff(STAFF["LOAN_OFFICER_2"], Role.LOAN_OFFICER),
        "RISK_MANAGER": await _staff(STAFF["RISK_MANAGER"], Role.RISK_MANAGER),
        "RISK_MANAGER_2": await _staff(STAFF["RISK_MANAGER_2"], Role.RISK_MANAGER),
        "ADMIN": await _staff(STAFF["ADMIN"], Role.ADMIN),
        "GUARANTOR": await _staff(STAFF["GUARANTOR"], Role.GUARANTOR, institution="KJDB"),
        "NEW_OFFICER": await _staff(STAFF["NEW_OFFICER"], Role.LOAN_OFFICER),
    }
    secrets: dict[str, str] = {}
    for key in ("LOAN_OFFICER", "LOAN_OFFICER_2", "RISK_MANAGER", "RISK_MANAGER_2"):
        await codes.signing_code(users[key].id)  # enrols and confirms the second factor
        secrets[key] = codes._SECRETS[users[key].id]
        await User.filter(id=users[key].id).update(totp_last_step=None)
    officer = _principal(await User.get(id=users["LOAN_OFFICER_2"].id))
    applicant_a = await _applicant("cfo@a.cn", A)
    applicant_b = await _applicant("cfo@b.cn", B)
    review_id = await _submitted(applicant_a, "IPCREDIT_IP_PLEDGE", REVIEW_AMOUNT, [PLEDGED])
    loan_id = await _disbursed_loan(applicant_b, officer)
    ent_a = await Enterprise.get(uscc=A)
    guaranteed, line = await add_guaranteed_line(ent_a.id, applicant_a)
    status = (await LoanApplication.get(id=int(guaranteed.id))).status
    info: dict[str, Any] = {
        "password": PASSWORD,
        "accounts": {k: STAFF[k] for k in users},
        "totp_secrets": secrets,
        "applicants": {"A": "cfo@a.cn", "B": "cfo@b.cn"},
        "review_application_id": review_id,
        "loan_id": loan_id,
        "enterprises": dict(await Enterprise.all().values_list("uscc", "id")),
        "guaranteed_line_id": line.id,
        "guaranteed_application_status": str(status),
    }
    out.write_text(json.dumps(info, ensure_ascii=False, default=str))
    return info
