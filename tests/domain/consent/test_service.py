"""Granting and revoking data authorisations: validation, the signed document, the audit log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db.models import AuditEntry, Consent, ConsentPurpose, DataSource, User
from domain.consent import signing
from domain.consent.access import require_consent
from domain.consent.reads import ConsentState, consents_of, state_of
from domain.consent.service import grant_consent, revoke_consent
from domain.errors import DomainError, NoConsent
from tests.domain.consent.helpers import Firm, make_firm
from tests.domain.contracts.codes import signing_code

APP = ConsentPurpose.APPLICATION


@pytest.fixture
async def firm(db: str, data_dir: Path) -> Firm:
    return await make_firm()


def _in(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def test_grant_signs_stores_and_audits(firm: Firm, data_dir: Path) -> None:
    consent = await grant_consent(
        principal=firm.applicant,
        sources=["TAX", DataSource.REGISTRATION, "TAX"],
        purposes=[ConsentPurpose.MONITORING, APP, APP],
        valid_until=_in(180).date(),
        otp=await signing_code(firm.applicant.user_id),
    )
    assert consent.sources == ["REGISTRATION", "TAX"]
    assert consent.purposes == ["APPLICATION", "MONITORING"]
    assert consent.valid_from == datetime.now(UTC).date()
    assert consent.signed_at is not None and consent.revoked_at is None
    assert consent.document_path and consent.document_path.startswith("consents/")
    pdf = (data_dir / consent.document_path).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == consent.document_sha256
    verdict = signing.verify_authorisation(
        pdf, ca=signing.platform_ca(), expected_sha256=consent.document_sha256
    )
    assert verdict.accepted, verdict.detail
    (signature,) = verdict.signatures
    assert signature.field_name == signing.FIELD_NAME
    assert verdict.level == "B-LT" and signature.timestamp is not None
    # signed under an event certificate naming the user and the enterprise; no key kept
    (signer_cert,) = [c for c in signature.certificates if c.role == "SIGNER"]
    assert signer_cert.subject == firm.enterprise.name
    assert signer_cert.valid_until - signer_cert.valid_from < timedelta(minutes=30)
    entry = await AuditEntry.get(action="consent.grant")
    assert entry.entity_id == str(consent.id) and entry.data["sha256"] == consent.document_sha256
    assert (await require_consent(firm.enterprise.id, ["TAX"], APP)).id == consent.id
    assert state_of(consent) == ConsentState.ACTIVE


@pytest.mark.parametrize(
    ("sources", "purposes", "days", "field"),
    [
        (["GOSSIP"], ["APPLICATION"], 30, "sources"),
        ([], ["APPLICATION"], 30, "sources"),
        (["TAX"], [], 30, "purposes"),
        (["TAX"], ["MARKETING"], 30, "purposes"),
        (["TAX"], ["APPLICATION"], 0, "validUntil"),
        (["TAX"], ["APPLICATION"], -3, "validUntil"),
        (["TAX"], ["APPLICATION"], 400, "validUntil"),
    ],
)
async def test_bad_grants_write_nothing(
    firm: Firm, data_dir: Path, sources: list[str], purposes: list[str], days: int, field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        await grant_consent(principal=firm.applicant, sources=sources, purposes=purposes,
                            valid_until=_in(days).date())  # fmt: skip
    assert (caught.value.code, caught.value.field) == ("INVALID_INPUT", field)
    assert await Consent.all().count() == 0
    assert await AuditEntry.all().count() == 0
    assert not (data_dir / "consents").exists() or not any((data_dir / "consents").iterdir())


async def test_only_verified_users_of_the_enterprise_grant(firm: Firm) -> None:
    until = _in(30).date()
    for who, code in ((firm.unverified, "UNVERIFIED"), (firm.officer, "FORBIDDEN")):
        with pytest.raises(DomainError) as caught:
            await grant_consent(principal=who, sources=["TAX"], purposes=["APPLICATION"],
                                valid_until=until)  # fmt: skip
        assert caught.value.code == code
    await User.filter(id=firm.applicant.user_id).update(verification="REVOKED")
    with pytest.raises(DomainError) as caught:
        await grant_consent(principal=firm.applicant, sources=["TAX"], purposes=["APPLICATION"],
                            valid_until=until)  # fmt: skip
    assert caught.value.code == "UNVERIFIED"
    assert await Consent.all().count() == 0


async def test_revoke_once_by_the_enterprise_only(firm: Firm) -> None:
    consent = await grant_consent(principal=firm.applicant, sources=["TAX"],
                                  purposes=["APPLICATION"], valid_until=_in(30).date(),
                                  otp=await signing_code(firm.applicant.user_id))  # fmt: skip
    for who, code in ((firm.other, "NOT_FOUND"), (firm.unverified, "UNVERIFIED"),
                      (firm.officer, "FORBIDDEN")):  # fmt: skip
        with pytest.raises(DomainError) as caught:
            await revoke_consent(principal=who, consent_id=consent.id)
        assert caught.value.code == code
    with pytest.raises(DomainError) as caught:
        await revoke_consent(principal=firm.applicant, consent_id=consent.id + 99)
    assert caught.value.code == "NOT_FOUND"
    revoked = await revoke_consent(principal=firm.applicant, consent_id=consent.id)
    assert revoked.revoked_at is not None
    assert revoked.revoked_by == f"user:{firm.applicant.email}"
    assert state_of(revoked) == ConsentState.REVOKED
    with pytest.raises(DomainError) as caught:
        await revoke_consent(principal=firm.applicant, consent_id=consent.id)
    assert caught.value.code == "INVALID_STATE"
    assert await AuditEntry.filter(action="consent.revoke").count() == 1
    with pytest.raises(NoConsent):
        await require_consent(firm.enterprise.id, ["TAX"], APP)


async def test_consents_read_by_verified_members_and_staff(firm: Firm) -> None:
    consent = await grant_consent(principal=firm.applicant, sources=["TAX"],
                                  purposes=["APPLICATION"], valid_until=_in(30).date(),
                                  otp=await signing_code(firm.applicant.user_id))  # fmt: skip
    for who in (firm.applicant, firm.officer):
        found = await consents_of(principal=who, enterprise_id=firm.enterprise.id)
        assert [c.id for c in found] == [consent.id]
    for who, code in ((firm.unverified, "UNVERIFIED"), (firm.other, "FORBIDDEN")):
        with pytest.raises(DomainError) as caught:
            await consents_of(principal=who, enterprise_id=firm.enterprise.id)
        assert caught.value.code == code


async def test_grant_needs_the_signers_one_time_code(firm: Firm, data_dir: Path) -> None:
    until = _in(30).date()
    with pytest.raises(DomainError) as caught:
        await grant_consent(principal=firm.applicant, sources=["TAX"], purposes=["APPLICATION"],
                            valid_until=until)  # fmt: skip
    assert caught.value.code == "INVALID_STATE"  # no second factor enrolled yet
    code = await signing_code(firm.applicant.user_id)
    for wrong in (None, "000000" if code != "000000" else "111111"):
        with pytest.raises(DomainError) as caught:
            await grant_consent(principal=firm.applicant, sources=["TAX"],
                                purposes=["APPLICATION"], valid_until=until, otp=wrong)  # fmt: skip
        assert caught.value.code == "INVALID_INPUT"
    assert await Consent.all().count() == 0
    await grant_consent(principal=firm.applicant, sources=["TAX"], purposes=["APPLICATION"],
                        valid_until=until, otp=code)  # fmt: skip
    with pytest.raises(DomainError) as caught:  # a code is good for one signature
        await grant_consent(principal=firm.applicant, sources=["TAX"], purposes=["APPLICATION"],
                            valid_until=until, otp=code)  # fmt: skip
    assert caught.value.code == "INVALID_INPUT"
    assert await Consent.all().count() == 1
