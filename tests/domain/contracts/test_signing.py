"""Signing contracts borrower first, then bank, and verifying what was signed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.contracts import (
    FIELD_NAMES,
    EventSigner,
    LocalCA,
    LocalCASigner,
    SignerRole,
    SigningCredential,
    contract_path,
    ensure_ca,
    issue_event_credential,
    load_contract,
    sha256_hex,
    sign_as_bank,
    sign_as_borrower,
    sign_pdf,
    store_contract,
    verify,
    verify_pdf,
)
from domain.errors import InvalidInput, InvalidState, NotFound
from tests.domain.contracts.helpers import BANK, BORROWER

# pyHanko logs a traceback for every untrusted or broken signature these tests make
pytestmark = pytest.mark.usefixtures("quiet_pyhanko")


@pytest.fixture(scope="module")
def foreign_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return ensure_ca(tmp_path_factory.mktemp("foreign"))


def test_borrower_then_bank_gives_two_trusted_signatures(
    fully_signed: bytes, borrower_signed: bytes, ca: LocalCA
) -> None:

    result = verify(fully_signed, ca=ca)
    assert result.intact
    assert result.accepted
    assert [s.field_name for s in result.signatures] == [
        FIELD_NAMES[SignerRole.BORROWER],
        FIELD_NAMES[SignerRole.LENDER],
    ]
    assert [s.signer for s in result.signatures] == [BORROWER, BANK]
    assert all(s.valid and s.intact and s.trusted for s in result.signatures)
    # The borrower's signature covers its own revision; the bank's covers the whole file.
    assert [s.covers_whole_document for s in result.signatures] == [False, True]
    now = datetime.now(UTC)
    for check in result.signatures:
        assert check.signed_at.tzinfo is not None
        assert now - timedelta(minutes=5) < check.signed_at <= now
    assert result.signatures[0].signed_at <= result.signatures[1].signed_at
    assert "valid and trusted" in result.detail
    assert fully_signed.startswith(borrower_signed)  # an incremental update


def test_borrower_signature_alone_is_intact(borrower_signed: bytes, ca: LocalCA) -> None:
    result = verify(borrower_signed, ca=ca)
    assert result.accepted
    assert len(result.signatures) == 1
    assert result.signatures[0].covers_whole_document


def test_unsigned_document_is_not_intact(unsigned_pdf: bytes, ca: LocalCA) -> None:
    result = verify(unsigned_pdf, ca=ca)
    assert not result.intact
    assert result.signatures == ()
    assert result.detail == "no signatures"


@pytest.mark.parametrize(
    "data", [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF\n"], ids=["empty", "text", "stub"]
)
def test_unreadable_input_gets_a_verdict(data: bytes, ca: LocalCA) -> None:
    result = verify(data, ca=ca)
    assert not result.intact
    assert result.detail


def test_foreign_ca_signature_is_intact_but_untrusted(
    unsigned_pdf: bytes, ca: LocalCA, foreign_ca: LocalCA, enterprise: EventSigner
) -> None:
    credential = issue_event_credential(foreign_ca, enterprise)
    signed = sign_pdf(
        unsigned_pdf,
        key_pem=credential.key_pem,
        cert_pem=credential.cert_pem,
        chain=[foreign_ca.ca_cert_pem],
        field_name="BorrowerSignature",
        signer_name=BORROWER,
        reason="test",
        location="test",
    )
    result = verify(signed, ca=ca)
    (check,) = result.signatures
    assert check.valid
    assert check.intact
    assert not check.trusted
    # 'intact' is about the bytes: the document is unchanged, but it is not accepted.
    assert result.intact
    assert not result.all_trusted
    assert not result.accepted
    assert "trusted root" in result.detail
    assert verify_pdf(signed, trust_roots=foreign_ca.trust_roots).accepted
    with pytest.raises(InvalidState):
        sign_as_bank(signed, ca=ca)


def test_borrower_cannot_sign_with_a_foreign_certificate_unnoticed(
    unsigned_pdf: bytes, ca: LocalCA, foreign_ca: LocalCA, enterprise: EventSigner
) -> None:
    credential = issue_event_credential(foreign_ca, enterprise)
    signed = LocalCASigner(ca).sign(unsigned_pdf, role=SignerRole.BORROWER, credential=credential)
    assert not verify(signed, ca=ca).accepted


def test_timestamped_signatures_stay_trusted_after_their_certificates_expire(
    fully_signed: bytes, ca: LocalCA
) -> None:
    # the borrower's event certificate lapses after minutes, the bank's after two years: each
    # signature is judged at the time its timestamp proves
    result = verify_pdf(
        fully_signed, trust_roots=ca.trust_roots, at=datetime.now(UTC) + timedelta(days=800)
    )
    assert result.accepted
    assert result.level == "B-LT"


def test_untimestamped_signature_is_untrusted_after_its_certificate_expires(
    unsigned_pdf: bytes, ca: LocalCA, enterprise: EventSigner
) -> None:
    credential = issue_event_credential(ca, enterprise)
    signed = sign_pdf(
        unsigned_pdf,
        key_pem=credential.key_pem,
        cert_pem=credential.cert_pem,
        chain=credential.chain_pem,
        field_name="BorrowerSignature",
        signer_name=BORROWER,
        reason="test",
        location="test",
    )
    assert verify(signed, ca=ca).accepted
    assert verify(signed, ca=ca).level == "B-B"
    later = verify_pdf(
        signed, trust_roots=ca.trust_roots, at=datetime.now(UTC) + timedelta(hours=1)
    )
    assert later.intact
    assert not any(s.trusted for s in later.signatures)


def test_recorded_hash_catches_any_difference(fully_signed: bytes, ca: LocalCA) -> None:
    digest = sha256_hex(fully_signed)
    assert verify(fully_signed, ca=ca, expected_sha256=digest).accepted
    result = verify(fully_signed, ca=ca, expected_sha256=sha256_hex(b"other"))
    assert not result.intact
    assert "on record" in result.detail


@pytest.mark.parametrize(
    ("document", "role"),
    [
        ("unsigned_pdf", SignerRole.LENDER),
        ("borrower_signed", SignerRole.BORROWER),
        ("fully_signed", SignerRole.BORROWER),
        ("fully_signed", SignerRole.LENDER),
    ],
)
def test_signing_order_is_enforced(
    request: pytest.FixtureRequest,
    ca: LocalCA,
    enterprise: EventSigner,
    document: str,
    role: SignerRole,
) -> None:
    pdf: bytes = request.getfixturevalue(document)
    if role is SignerRole.LENDER:
        with pytest.raises(InvalidState):
            sign_as_bank(pdf, ca=ca)
    else:
        with pytest.raises(InvalidState):
            sign_as_borrower(pdf, signer=enterprise, ca=ca)


def test_expired_event_certificate_cannot_sign(
    unsigned_pdf: bytes, ca: LocalCA, enterprise: EventSigner
) -> None:
    credential = issue_event_credential(ca, enterprise, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(InvalidState, match="not valid now"):
        LocalCASigner(ca).sign(unsigned_pdf, role=SignerRole.BORROWER, credential=credential)


def test_key_of_another_certificate_is_rejected(
    unsigned_pdf: bytes, ca: LocalCA, enterprise: EventSigner
) -> None:
    event = issue_event_credential(ca, enterprise)
    mixed = SigningCredential(ca.bank.key_pem, event.cert_pem, event.chain_pem)
    with pytest.raises(InvalidInput, match="does not belong"):
        LocalCASigner(ca).sign(unsigned_pdf, role=SignerRole.BORROWER, credential=mixed)


def test_not_a_pdf_cannot_be_signed(ca: LocalCA, enterprise: EventSigner) -> None:
    credential = issue_event_credential(ca, enterprise)
    with pytest.raises(InvalidInput):
        sign_pdf(
            b"hello",
            key_pem=credential.key_pem,
            cert_pem=credential.cert_pem,
            chain=[ca.ca_cert_pem],
            field_name="BorrowerSignature",
            signer_name=BORROWER,
            reason="test",
            location="test",
        )


def test_store_and_load_contract(tmp_path: Path, fully_signed: bytes) -> None:
    path = store_contract(tmp_path, "c-42", b"old")
    assert store_contract(tmp_path, "c-42", fully_signed) == path
    assert path == contract_path(tmp_path, "c-42") == tmp_path / "contracts" / "c-42.pdf"
    assert load_contract(tmp_path, "c-42") == fully_signed
    assert [p.name for p in path.parent.iterdir()] == ["c-42.pdf"]  # no temporary left behind


@pytest.mark.parametrize("contract_id", ["", "../escape", "a/b", ".hidden", "x" * 200])
def test_contract_ids_cannot_leave_the_directory(tmp_path: Path, contract_id: str) -> None:
    with pytest.raises(InvalidInput):
        store_contract(tmp_path, contract_id, b"%PDF")


def test_missing_contract_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_contract(tmp_path, "nope")


async def test_usable_from_async_code(
    unsigned_pdf: bytes, ca: LocalCA, enterprise: EventSigner
) -> None:
    # Directly inside the running loop (pyHanko itself calls asyncio.run)...
    signed = sign_as_borrower(unsigned_pdf, signer=enterprise, ca=ca)
    assert verify(signed, ca=ca).accepted
    # ...and the way services should call it, off the loop.
    countersigned = await asyncio.to_thread(sign_as_bank, signed, ca=ca)
    result = await asyncio.to_thread(verify, countersigned, ca=ca)
    assert result.accepted
    assert len(result.signatures) == 2
