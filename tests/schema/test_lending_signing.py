"""Signing a contract through the API as an attacker would try it: without the signer's code,
with a wrong or replayed one, and looking for borrower keys the platform might keep."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from asn1crypto import tsp
from cryptography import x509
from pyhanko.sign.timestamps import TimeStamper
from tortoise import Tortoise

from app import create_app
from db.models import Contract, LoanApplication, Role, User
from domain.accounts.principal import Principal
from domain.decision.service import assess_application
from tests.domain.contracts.codes import signing_code
from tests.schema.helpers import make_user, run
from tests.schema.test_lending_flow import _accepted, _submitted, world  # noqa: F401

SIGN = """mutation($id: ID!, $otp: String!) { signContract(contractId: $id, otp: $otp) {
  contract { status } errors { code message } } }"""
VERIFY = """query($id: ID!) { verifyContract(id: $id) { intact level detail
  signatures { signer valid level timestamp certificates { role status revocationChecked } } } }"""
# a PEM private key that is not encrypted (the platform's own keys are "ENCRYPTED PRIVATE KEY")
PLAIN_KEY = re.compile(rb"-----BEGIN (?!ENCRYPTED )[A-Z ]*PRIVATE KEY-----")


async def _contract(tmp_path: Path) -> tuple[Principal, Principal, str]:
    """A generated contract of an application a loan officer approved; the applicant and the
    approving officer."""
    applicant, application_id = await _submitted(tmp_path)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    await assess_application(application_id=(await LoanApplication.get()).id)
    await run(
        """mutation($id: ID!) { reviewApplication(id: $id, decision: APPROVE, comment: "ok")
          { errors { code } } }""",
        officer,
        id=application_id,
    )
    return applicant, officer, await _accepted(applicant, application_id)


async def _sign(who: Principal, cid: str, otp: str) -> dict[str, object]:
    result: dict[str, object] = (await run(SIGN, who, id=cid, otp=otp))["signContract"]
    return result


def _codes(result: dict[str, object]) -> list[object]:
    return [e["code"] for e in result["errors"]]  # type: ignore[attr-defined, index]


async def test_each_signer_confirms_with_its_own_fresh_code(
    world: dict[str, int],  # noqa: F811
    tmp_path: Path,
) -> None:
    applicant, officer, cid = await _contract(tmp_path)
    # no second factor enrolled: nothing to confirm the signature with
    assert _codes(await _sign(applicant, cid, "123456")) == ["INVALID_STATE"]
    code = await signing_code(applicant.user_id)
    wrong = "000000" if code != "000000" else "111111"
    assert _codes(await _sign(applicant, cid, wrong)) == ["INVALID_INPUT"]
    assert (await Contract.get()).status == "GENERATED"
    assert _codes(await _sign(applicant, cid, code)) == []
    assert (await Contract.get()).status == "BORROWER_SIGNED"

    risk = await make_user("risk@bank.cn", Role.RISK_MANAGER)
    # another person's code is not this signer's; the approver may not countersign at all
    assert _codes(await _sign(risk, cid, code)) == ["INVALID_STATE"]  # risk has no factor yet
    officer_code = await signing_code(officer.user_id)
    assert _codes(await _sign(officer, cid, officer_code)) == ["FORBIDDEN"]
    risk_code = await signing_code(risk.user_id)
    assert _codes(await _sign(risk, cid, risk_code)) == []
    assert (await Contract.get()).status == "SIGNED"

    verified = (await run(VERIFY, officer, id=cid))["verifyContract"]
    assert verified["intact"] and verified["level"] == "B-LT", verified
    for signature in verified["signatures"]:
        assert signature["valid"] and signature["level"] == "B-LT" and signature["timestamp"]
        assert {c["status"] for c in signature["certificates"]} == {"GOOD"}


async def test_a_used_code_does_not_sign_twice(
    world: dict[str, int],  # noqa: F811
    tmp_path: Path,
) -> None:
    applicant, _, cid = await _contract(tmp_path)
    code = await signing_code(applicant.user_id)
    await User.filter(id=applicant.user_id).update(totp_last_step=None)
    assert _codes(await _sign(applicant, cid, code)) == []
    # replaying the same code on a reset contract is refused (the code's step was used)
    await Contract.filter(id=(await Contract.get()).id).update(status="GENERATED")
    assert _codes(await _sign(applicant, cid, code)) == ["INVALID_INPUT"]


async def test_no_borrower_private_key_is_kept_anywhere(
    world: dict[str, int],  # noqa: F811
    tmp_path: Path,
    data_dir: Path,
) -> None:
    applicant, _, cid = await _contract(tmp_path)
    assert "private_key_pem" not in User._meta.fields_map
    assert _codes(await _sign(applicant, cid, await signing_code(applicant.user_id))) == []
    risk = await make_user("risk@bank.cn", Role.RISK_MANAGER)
    assert _codes(await _sign(risk, cid, await signing_code(risk.user_id))) == []

    for model in Tortoise.apps["models"].values():
        for row in await model.all().values():
            assert not PLAIN_KEY.search(str(row).encode()), f"a private key in {model.__name__}"
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files)
    for path in files:
        assert not PLAIN_KEY.search(path.read_bytes()), f"an unencrypted private key in {path}"
    keys = [p.name for p in files if b"ENCRYPTED PRIVATE KEY" in p.read_bytes()]
    assert sorted(keys) == ["bank.key.pem", "ca.key.pem", "tsa.key.pem"]


async def test_registration_issues_no_certificate_and_loads_no_ca_key(
    world: dict[str, int],  # noqa: F811
    tmp_path: Path,
    data_dir: Path,
) -> None:
    await _submitted(tmp_path)
    assert not (data_dir / "pki").exists()


async def test_tsa_and_crl_are_served(db: str, data_dir: Path) -> None:
    app = create_app(init_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        _, req = TimeStamper().request_cms(b"\x01" * 32, "sha256")
        stamped = await client.post(
            "/tsa", content=req.dump(), headers={"content-type": "application/timestamp-query"}
        )
        wrong_type = await client.post("/tsa", content=req.dump())
        crl = await client.get("/crl/platform-ca.crl")
    assert stamped.status_code == 200
    assert stamped.headers["content-type"] == "application/timestamp-reply"
    assert tsp.TimeStampResp.load(stamped.content)["status"]["status"].native == "granted"
    assert wrong_type.status_code == 415
    assert crl.status_code == 200
    ca_cert = x509.load_pem_x509_certificate((data_dir / "pki" / "ca.cert.pem").read_bytes())
    assert x509.load_der_x509_crl(crl.content).is_signature_valid(ca_cert.public_key())  # type: ignore[arg-type]
