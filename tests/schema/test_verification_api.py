"""Verification through the API: what an unverified account reads, the flow, staff review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from app import create_app
from db.models import Role
from domain.accounts import service
from domain.accounts.principal import Principal
from domain.accounts.standing import fresh_principal
from tests.domain.accounts.kyb import NAMES, PASSWORD, applicant, kyb_world, last_challenge, notices
from tests.factories import A, B
from tests.schema.helpers import make_user, run, run_raw

REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  token errors { code message } user { verification enterprise { id uscc name } } } }"""
ME = "{ me { verification enterpriseAdmin enterprise { id uscc name industry } } }"
CREATE = """mutation { createApplication(input: {productCode: "IPCREDIT_IP_PLEDGE",
  amount: "200000.00", termMonths: 12, pledgedPatentNumbers: []}) { errors { code } } }"""
REQUEST = "mutation { requestVerification { expiresAt attemptsLeft errors { code message } } }"
CONFIRM = """mutation($amount: Decimal!, $code: String!) {
  confirmVerification(depositAmount: $amount, legalRepCode: $code) {
    user { verification enterpriseAdmin enterprise { industry } } attemptsLeft
    errors { code field message } } }"""


@pytest.fixture
async def world(db: str, data_dir: Path) -> dict[str, int]:
    return await kyb_world()


def _codes(result: Any) -> list[str | None]:
    return [(e.extensions or {}).get("code") for e in result.errors or []]


async def _as_request(principal: Principal) -> Principal:
    """The principal a request of this account carries (verification read fresh)."""
    return await fresh_principal(principal)


async def test_the_register_payload_reads_the_new_account_s_enterprise(
    world: dict[str, int],
) -> None:
    fields = {"email": "cfo@a.cn", "password": PASSWORD, "uscc": A, "enterpriseName": NAMES[A]}
    data = await run(REGISTER, None, input=fields)

    payload = data["register"]
    assert payload["errors"] == [] and payload["token"]
    assert payload["user"]["verification"] == "UNVERIFIED"
    assert payload["user"]["enterprise"]["uscc"] == A
    assert payload["user"]["enterprise"]["name"] == NAMES[A]
    more = await run_raw(
        """mutation($input: RegisterInput!) { register(input: $input) {
          user { enterprise { industry } } } }""",
        None,
        input={**fields, "email": "second@a.cn"},
    )
    assert _codes(more) == ["UNVERIFIED"]


async def test_an_unverified_account_reads_only_its_enterprise_s_identity(
    world: dict[str, int],
) -> None:
    _, principal = await applicant("cfo@a.cn")
    principal = await _as_request(principal)

    result = await run_raw(ME, principal)
    assert _codes(result) == ["UNVERIFIED"]
    assert result.errors[0].path == ["me", "enterprise", "industry"]
    identity = await run("{ me { enterprise { id uscc name } } }", principal)
    assert identity["me"]["enterprise"]["uscc"] == A
    for query in (
        f'{{ enterpriseByUscc(uscc: "{A}") {{ uscc name }} }}',
        f'{{ enterpriseByUscc(uscc: "{B}") {{ uscc }} }}',
    ):
        found = (await run(query, principal))["enterpriseByUscc"]
        assert found == ({"uscc": A, "name": NAMES[A]} if A in query else None)
    for field in ("taxRecords { year }", "patents { totalCount }", "riskScore { score }",
                  "applications { totalCount }", "highTech"):  # fmt: skip
        result = await run_raw(f"{{ me {{ enterprise {{ {field} }} }} }}", principal)
        assert _codes(result) == ["UNVERIFIED"], field
    created = await run(CREATE, principal)
    assert created["createApplication"]["errors"] == [{"code": "UNVERIFIED"}]
    valued = await run(
        'mutation { valuePatent(number: "CN110000001B") { errors { code } } }', principal
    )
    assert valued["valuePatent"]["errors"] == [{"code": "UNVERIFIED"}]
    assert (await run('{ patent(number: "CN110000001B") { id } }', principal))["patent"] is None
    assert (await run("{ applications { totalCount } }", principal))["applications"] == {
        "totalCount": 0
    }


async def test_verification_through_the_api(world: dict[str, int], data_dir: Path) -> None:
    _, principal = await applicant("cfo@a.cn")
    principal = await _as_request(principal)

    requested = (await run(REQUEST, principal))["requestVerification"]
    assert requested["errors"] == [] and requested["attemptsLeft"] == 5
    assert requested["expiresAt"]
    amount, code = last_challenge(data_dir)
    wrong = "0.02" if str(amount) == "0.01" else "0.01"
    attempt = CONFIRM.replace("enterprise { industry }", "")
    failed = (await run(attempt, principal, amount=wrong, code=code))["confirmVerification"]
    assert failed["errors"][0]["code"] == "INVALID_INPUT"
    assert failed["attemptsLeft"] == 4 and failed["user"]["verification"] == "UNVERIFIED"
    done = (await run(CONFIRM, principal, amount=str(amount), code=code))["confirmVerification"]

    assert done["errors"] == []
    assert done["user"] == {
        "verification": "VERIFIED",
        "enterpriseAdmin": True,
        "enterprise": {"industry": "C39"},
    }
    now = await _as_request(principal)
    me = (await run(ME, now))["me"]
    assert me["verification"] == "VERIFIED" and me["enterprise"]["industry"] == "C39"


async def test_invitations_through_the_api(world: dict[str, int], data_dir: Path) -> None:
    admin_user, _ = await applicant("cfo@a.cn")
    await make_user_verified(admin_user.id)
    admin = await _as_request(service.principal_of(admin_user))
    sent = await run(
        'mutation { inviteUser(email: "colleague@a.cn") { invitation { email expiresAt } '
        "errors { code } } }",
        admin,
    )
    assert sent["inviteUser"]["invitation"]["email"] == "colleague@a.cn"
    _, colleague = await applicant("colleague@a.cn")
    code = notices(data_dir, "invitation")[-1]["code"]

    accepted = await run(
        "mutation($code: String!) { acceptInvitation(code: $code) { "
        "user { verification enterpriseAdmin } errors { code } } }",
        await _as_request(colleague),
        code=code,
    )
    assert accepted["acceptInvitation"] == {
        "user": {"verification": "VERIFIED", "enterpriseAdmin": False},
        "errors": [],
    }


async def make_user_verified(user_id: int) -> None:
    from db.models import User
    from tests.trust import trust

    await trust(await User.get(id=user_id))


async def test_staff_see_pending_accounts_and_revoke_them(
    world: dict[str, int], data_dir: Path
) -> None:
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    user, principal = await applicant("cfo@a.cn")
    await make_user_verified(user.id)
    _, waiting = await applicant("waiting@b.cn", uscc=B)
    await run(REQUEST, await _as_request(waiting))

    pending = await run(
        """{ pendingVerifications { totalCount edges { node {
          user { email verification } enterprise { uscc } challengeStatus attempts } } } }""",
        officer,
    )
    nodes = [e["node"] for e in pending["pendingVerifications"]["edges"]]
    assert pending["pendingVerifications"]["totalCount"] == 1
    assert nodes == [
        {
            "user": {"email": "waiting@b.cn", "verification": "UNVERIFIED"},
            "enterprise": {"uscc": B},
            "challengeStatus": "PENDING",
            "attempts": 0,
        }
    ]
    user_id = (await run("{ me { id } }", await _as_request(principal)))["me"]["id"]
    revoked = await run(
        """mutation($id: ID!) { revokeVerification(userId: $id, reason: "not the company") {
          user { verification } errors { code } } }""",
        officer,
        id=user_id,
    )
    assert revoked["revokeVerification"] == {"user": {"verification": "REVOKED"}, "errors": []}

    now = await _as_request(principal)
    assert _codes(await run_raw(ME, now)) == ["UNVERIFIED"]
    assert (await run(CREATE, now))["createApplication"]["errors"] == [{"code": "UNVERIFIED"}]


async def test_staff_fields_refuse_applicants(world: dict[str, int]) -> None:
    _, principal = await applicant("cfo@a.cn")
    principal = await _as_request(principal)
    for query in (
        "{ pendingVerifications { totalCount } }",
        'mutation { revokeVerification(userId: "VXNlcjox", reason: "x") { errors { code } } }',
    ):
        assert _codes(await run_raw(query, principal)) == ["FORBIDDEN"]


async def test_a_token_acts_for_the_enterprise_once_verified_without_a_new_login(
    world: dict[str, int], data_dir: Path
) -> None:
    app = create_app(init_database=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    async def call(query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        body = {"query": query, "variables": variables}
        response = await client.post("/graphql", json=body, headers=headers)
        result: dict[str, Any] = response.json()
        return result

    fields = {"email": "cfo@a.cn", "password": PASSWORD, "uscc": A, "enterpriseName": NAMES[A]}
    token = (await call(REGISTER, input=fields))["data"]["register"]["token"]
    before = await call(ME, token)
    assert "errors" in before, before
    assert [e["extensions"]["code"] for e in before["errors"]] == ["UNVERIFIED"]
    await call(REQUEST, token)
    amount, code = last_challenge(data_dir)
    await call(CONFIRM, token, amount=str(amount), code=code)

    after = await call(ME, token)
    assert "errors" not in after
    assert after["data"]["me"]["enterprise"]["industry"] == "C39"
    await client.aclose()
