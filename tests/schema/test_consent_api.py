"""grantConsent, revokeConsent, Enterprise.consents and Enterprise.dataAccessLog over GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from db.models import Consent
from domain.consent.access import pull
from resolvers.ids import encode_id
from schema.context import Context
from tests.domain.consent.helpers import Firm, MemoryProvider, make_firm
from tests.domain.contracts.codes import signing_code
from tests.schema.helpers import SCHEMA, run, run_raw

GRANT = """mutation($input: GrantConsentInput!) { grantConsent(input: $input) {
  consent { id sources purposes validFrom validUntil signedAt revokedAt documentSha256 state }
  errors { field code message } } }"""
REVOKE = """mutation($id: ID!) { revokeConsent(id: $id) {
  consent { id state revokedAt } errors { field code } } }"""
READ = """query($id: ID!) { enterprise(id: $id) {
  consents { id state sources }
  dataAccessLog(first: $first, after: $after) {
    edges { cursor node { id at source purpose actor outcome basis consentId detail } }
    pageInfo { hasNextPage endCursor } totalCount } } }"""
READ = READ.replace("query($id: ID!)", "query($id: ID!, $first: Int, $after: String)")


@pytest.fixture
async def firm(db: str, data_dir: Path) -> Firm:
    return await make_firm()


def _until(days: int = 90) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def _input(**changes: Any) -> dict[str, Any]:
    return {"sources": ["TAX", "JUDICIAL"], "purposes": ["APPLICATION"],
            "validUntil": _until(), **changes}  # fmt: skip


async def _grant(firm: Firm, **changes: Any) -> dict[str, Any]:
    """Grant as the firm's applicant, confirmed with a fresh code of its second factor."""
    changes.setdefault("otp", await signing_code(firm.applicant.user_id))
    data = await run(GRANT, firm.applicant, input=_input(**changes))
    return data["grantConsent"]  # type: ignore[no-any-return]


async def test_grant_consent(firm: Firm) -> None:
    granted = await _grant(firm)
    assert granted["errors"] == []
    consent = granted["consent"]
    assert consent["sources"] == ["JUDICIAL", "TAX"]
    assert consent["purposes"] == ["APPLICATION"]
    assert consent["validUntil"] == _until()
    assert consent["state"] == "ACTIVE" and consent["revokedAt"] is None
    assert len(consent["documentSha256"]) == 64 and consent["signedAt"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"validUntil": "2020-01-01"}, "validUntil"), ({"sources": []}, "sources"),
     ({"purposes": []}, "purposes"), ({"validUntil": _until(500)}, "validUntil")],
)  # fmt: skip
async def test_bad_grant_is_a_payload_error(
    firm: Firm, changes: dict[str, Any], field: str
) -> None:
    granted = await _grant(firm, **changes)
    assert granted["consent"] is None
    assert [(e["code"], e["field"]) for e in granted["errors"]] == [("INVALID_INPUT", field)]
    assert await Consent.all().count() == 0


async def test_unknown_source_is_refused_by_the_schema(firm: Firm) -> None:
    result = await run_raw(GRANT, firm.applicant, input=_input(sources=["GOSSIP"]))
    assert result.errors and await Consent.all().count() == 0


async def test_unverified_and_staff_cannot_grant(firm: Firm) -> None:
    for who, code in ((firm.unverified, "UNVERIFIED"), (firm.officer, "FORBIDDEN")):
        data = await run(GRANT, who, input=_input())
        assert [e["code"] for e in data["grantConsent"]["errors"]] == [code]
    assert await Consent.all().count() == 0


async def test_grant_honours_idempotency_key(firm: Firm) -> None:
    ids = set()
    otp = await signing_code(firm.applicant.user_id)
    for _ in range(2):  # the retry replays the answer: the used code is not checked again
        result = await SCHEMA.execute(
            GRANT, variable_values={"input": _input(otp=otp)},
            context_value=Context(firm.applicant, idempotency_key="grant-1"),
        )  # fmt: skip
        assert result.errors is None and result.data is not None
        ids.add(result.data["grantConsent"]["consent"]["id"])
    assert len(ids) == 1 and await Consent.all().count() == 1


async def test_revoke_consent(firm: Firm) -> None:
    consent_id = (await _grant(firm))["consent"]["id"]
    foreign = await run(REVOKE, firm.other, id=consent_id)
    assert [e["code"] for e in foreign["revokeConsent"]["errors"]] == ["NOT_FOUND"]
    garbage = await run(REVOKE, firm.applicant, id="not-an-id")
    assert [e["code"] for e in garbage["revokeConsent"]["errors"]] == ["NOT_FOUND"]
    revoked = (await run(REVOKE, firm.applicant, id=consent_id))["revokeConsent"]
    assert revoked["errors"] == [] and revoked["consent"]["state"] == "REVOKED"
    again = (await run(REVOKE, firm.applicant, id=consent_id))["revokeConsent"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]


async def _log_three(firm: Firm) -> str:
    """A refused pull, a pull by an officer, a pull by the platform; the consent's id."""
    provider = MemoryProvider()
    eid = firm.enterprise.id
    with pytest.raises(Exception, match="no valid data authorisation"):
        await pull(enterprise_id=eid, sources=["TAX"], purpose="APPLICATION",
                   actor="system:assess", provider=provider)  # fmt: skip
    consent_id: str = (await _grant(firm))["consent"]["id"]
    await pull(enterprise_id=eid, sources=["JUDICIAL"], purpose="APPLICATION",
               actor=firm.officer, provider=provider)  # fmt: skip
    await pull(enterprise_id=eid, sources=["TAX"], purpose="APPLICATION",
               actor="system:assess", provider=provider)  # fmt: skip
    return consent_id


async def test_enterprise_reads_its_consents_and_log(firm: Firm) -> None:
    consent_id = await _log_three(firm)
    eid = encode_id("Enterprise", firm.enterprise.id)
    data = (await run(READ, firm.applicant, id=eid, first=2))["enterprise"]
    assert [c["id"] for c in data["consents"]] == [consent_id]
    log = data["dataAccessLog"]
    assert log["totalCount"] == 3 and log["pageInfo"]["hasNextPage"] is True
    nodes = [e["node"] for e in log["edges"]]
    assert [(n["source"], n["actor"], n["outcome"], n["basis"], n["consentId"]) for n in nodes] == [
        ("TAX", "bank", "OK", "CONSENT", consent_id),
        ("JUDICIAL", "LOAN_OFFICER", "OK", "CONSENT", consent_id),
    ]
    assert all(n["detail"] is None for n in nodes)
    rest = await run(READ, firm.applicant, id=eid, first=2, after=log["pageInfo"]["endCursor"])
    last = [e["node"] for e in rest["enterprise"]["dataAccessLog"]["edges"]]
    assert [(n["outcome"], n["consentId"], n["actor"]) for n in last] == [("REFUSED", None, "bank")]


async def test_staff_read_the_log_as_logged(firm: Firm) -> None:
    await _log_three(firm)
    eid = encode_id("Enterprise", firm.enterprise.id)
    data = (await run(READ, firm.officer, id=eid, first=5))["enterprise"]
    nodes = [e["node"] for e in data["dataAccessLog"]["edges"]]
    assert [n["actor"] for n in nodes] == [
        "system:assess",
        f"user:{firm.officer.email}",
        "system:assess",
    ]
    assert nodes[-1]["detail"] and "TAX" in nodes[-1]["detail"]


async def test_unverified_users_read_no_consents(firm: Firm) -> None:
    await _grant(firm)
    eid = encode_id("Enterprise", firm.enterprise.id)
    result = await run_raw("query($id: ID!) { enterprise(id: $id) { consents { id } } }",
                           firm.unverified, id=eid)  # fmt: skip
    assert result.errors
    assert {e.extensions["code"] for e in result.errors} == {"UNVERIFIED"}


async def test_grant_without_the_signers_code_is_refused(firm: Firm) -> None:
    data = await run(GRANT, firm.applicant, input=_input())
    assert [e["code"] for e in data["grantConsent"]["errors"]] == ["INVALID_STATE"]  # no factor
    await signing_code(firm.applicant.user_id)
    for otp in (None, "12345", "abcdef"):
        data = await run(GRANT, firm.applicant, input=_input(otp=otp))
        assert [e["code"] for e in data["grantConsent"]["errors"]] == ["INVALID_INPUT"]
    assert await Consent.all().count() == 0
