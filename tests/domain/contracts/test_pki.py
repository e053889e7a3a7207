from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from domain.contracts import (
    CA_COMMON_NAME,
    EVENT_VALIDITY,
    EventSigner,
    LocalCA,
    ensure_ca,
    issue_event_credential,
    sign_as_bank,
    sign_as_borrower,
    verify,
)
from domain.contracts.keyfiles import spki
from domain.errors import InvalidInput, InvalidState
from tests.domain.contracts.helpers import BANK, BORROWER, USCC

KEY_FILES = ("ca.key.pem", "bank.key.pem", "tsa.key.pem")
CERT_FILES = ("ca.cert.pem", "bank.cert.pem", "tsa.cert.pem")


def _cert(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def _name(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    return str(cert.subject.get_attributes_for_oid(oid)[0].value)


def test_first_call_creates_ca_and_bank_files(ca: LocalCA, ca_dir: Path) -> None:
    pki = ca_dir / "pki"
    assert ca.directory == pki
    assert stat.S_IMODE(pki.stat().st_mode) == 0o700
    for name in KEY_FILES:
        assert stat.S_IMODE((pki / name).stat().st_mode) == 0o600
        assert (pki / name).read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    for name in CERT_FILES:
        assert (pki / name).read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert (pki / "ca.cert.pem").read_bytes() == ca.ca_cert_pem
    assert (pki / "bank.cert.pem").read_bytes() == ca.bank.cert_pem


def test_second_call_reuses_the_same_keys(ca: LocalCA, ca_dir: Path) -> None:
    before = {name: (ca_dir / "pki" / name).stat().st_mtime_ns for name in KEY_FILES}
    again = ensure_ca(ca_dir, bank_name=BANK)
    assert again.ca_cert_pem == ca.ca_cert_pem
    assert spki(again.ca_key.public_key()) == spki(ca.ca_key.public_key())
    assert again.bank == ca.bank
    after = {name: (ca_dir / "pki" / name).stat().st_mtime_ns for name in KEY_FILES}
    assert after == before


def test_concurrent_first_starts_agree_on_one_ca(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: ensure_ca(tmp_path), range(4)))
    assert len({r.ca_cert_pem for r in results}) == 1
    assert len({r.bank.cert_pem for r in results}) == 1


def test_root_is_a_self_signed_ten_year_ca(ca: LocalCA) -> None:
    cert = _cert(ca.ca_cert_pem)
    assert _name(cert, NameOID.COMMON_NAME) == CA_COMMON_NAME
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert key_usage.key_cert_sign
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=3640) < lifetime < timedelta(days=3660)
    assert cert.not_valid_before_utc <= datetime.now(UTC) < cert.not_valid_after_utc


def test_bank_certificate_is_issued_by_the_ca_for_signing(ca: LocalCA) -> None:
    cert, root = _cert(ca.bank.cert_pem), _cert(ca.ca_cert_pem)
    cert.verify_directly_issued_by(root)
    assert _name(cert, NameOID.ORGANIZATION_NAME) == BANK
    assert ca.bank.subject_name == BANK
    assert ca.bank.chain_pem == (ca.ca_cert_pem,)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_event_certificate_names_signer_and_enterprise_for_minutes(
    ca: LocalCA, enterprise: EventSigner
) -> None:
    credential = issue_event_credential(ca, enterprise)
    cert = _cert(credential.cert_pem)
    cert.verify_directly_issued_by(_cert(ca.ca_cert_pem))
    assert _name(cert, NameOID.ORGANIZATION_NAME) == BORROWER
    assert _name(cert, NameOID.SERIAL_NUMBER) == USCC
    assert _name(cert, NameOID.EMAIL_ADDRESS) == enterprise.email
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert cert.not_valid_after_utc - datetime.now(UTC) <= EVENT_VALIDITY
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == ca.crl_url
    key = serialization.load_pem_private_key(credential.key_pem, password=None)
    assert spki(key.public_key()) == spki(cert.public_key())


def test_each_signature_gets_its_own_key(ca: LocalCA, enterprise: EventSigner) -> None:
    first, second = (issue_event_credential(ca, enterprise) for _ in range(2))
    assert _cert(first.cert_pem).public_key() != _cert(second.cert_pem).public_key()
    assert first.key_pem != second.key_pem


@pytest.mark.parametrize(
    ("uscc", "name", "email"),
    [
        ("", BORROWER, "a@b.cn"),
        ("91340100MA2N0X12", BORROWER, "a@b.cn"),  # too short
        ("91340100MA2N0X12#$", BORROWER, "a@b.cn"),
        (USCC, "   ", "a@b.cn"),
        (USCC, BORROWER, "nobody"),
    ],
)
def test_event_certificate_rejects_bad_identity(
    ca: LocalCA, uscc: str, name: str, email: str
) -> None:
    with pytest.raises(InvalidInput):
        issue_event_credential(ca, EventSigner(email=email, enterprise_name=name, uscc=uscc))


def test_naive_time_is_rejected(ca: LocalCA, enterprise: EventSigner) -> None:
    with pytest.raises(InvalidInput):
        issue_event_credential(ca, enterprise, now=datetime(2026, 1, 1))  # noqa: DTZ001


def test_keys_do_not_open_with_another_passphrase(ca_dir: Path) -> None:
    with pytest.raises(InvalidState, match="passphrase"):
        ensure_ca(ca_dir, bank_name=BANK, passphrase=b"not the passphrase of these keys")


def test_a_plaintext_key_of_an_older_version_is_encrypted_on_load(tmp_path: Path) -> None:
    first = ensure_ca(tmp_path)
    key_file = tmp_path / "pki" / "ca.key.pem"
    key_file.write_bytes(
        first.ca_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    again = ensure_ca(tmp_path)
    assert spki(again.ca_key.public_key()) == spki(first.ca_key.public_key())
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()


def test_bank_certificate_is_renewed_before_it_expires(tmp_path: Path) -> None:
    first = ensure_ca(tmp_path)
    expiry = _cert(first.bank.cert_pem).not_valid_after_utc
    still_fine = ensure_ca(tmp_path, now=expiry - timedelta(days=60))
    assert still_fine.bank == first.bank
    renewed = ensure_ca(tmp_path, now=expiry - timedelta(days=10))
    assert renewed.ca_cert_pem == first.ca_cert_pem
    assert renewed.bank.cert_pem != first.bank.cert_pem
    _cert(renewed.bank.cert_pem).verify_directly_issued_by(_cert(first.ca_cert_pem))


def _foreign_bank(directory: Path) -> tuple[Path, Path, Path, ec.EllipticCurvePrivateKey]:
    """A bank key and certificate from a CA other than the platform's, written as PEM files."""
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Real Trust Services Root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    bank_key = ec.generate_private_key(ec.SECP256R1())
    bank = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Real Bank Seal")]))
        .issuer_name(root_name)
        .public_key(bank_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    key_file, cert_file, root_file = (
        directory / "bank.key",
        directory / "bank.crt",
        directory / "root.crt",
    )
    key_file.write_bytes(
        bank_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(bank.public_bytes(serialization.Encoding.PEM))
    root_file.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file, root_file, bank_key


def test_configured_pem_bank_certificate_signs_and_is_trusted(
    tmp_path: Path, ca: LocalCA, borrower_signed: bytes
) -> None:
    key_file, cert_file, root_file, _ = _foreign_bank(tmp_path)
    configured = ensure_ca(
        ca.directory.parent,
        bank_key_file=key_file,
        bank_cert_file=cert_file,
        bank_chain_files=[root_file],
        extra_trust_root_files=[root_file],
    )
    assert configured.ca_cert_pem == ca.ca_cert_pem
    assert configured.bank.subject_name == "Real Bank Seal"
    assert configured.trust_roots == (ca.ca_cert_pem, root_file.read_bytes())
    signed = sign_as_bank(borrower_signed, ca=configured)
    result = verify(signed, ca=configured)
    assert result.intact
    assert [s.signer for s in result.signatures] == [BORROWER, "Real Bank Seal"]
    assert all(s.trusted for s in result.signatures)
    # Without the extra root the real bank's signature is intact but not trusted.
    assert not verify(signed, ca=ca).signatures[1].trusted


def test_configured_pkcs12_bank_certificate(tmp_path: Path) -> None:
    key_file, cert_file, root_file, bank_key = _foreign_bank(tmp_path)
    bank_cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    root_cert = x509.load_pem_x509_certificate(root_file.read_bytes())
    p12 = tmp_path / "bank.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"bank", bank_key, bank_cert, [root_cert],
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )  # fmt: skip
    configured = ensure_ca(tmp_path / "data", bank_pkcs12=p12, bank_pkcs12_password=b"s3cret")
    assert configured.bank.subject_name == "Real Bank Seal"
    assert configured.bank.chain_pem == (root_file.read_bytes(),)
    assert not (tmp_path / "data" / "pki" / "bank.key.pem").exists()
    with pytest.raises(InvalidInput):
        ensure_ca(tmp_path / "data", bank_pkcs12=p12, bank_pkcs12_password=b"wrong")


def test_configured_key_must_match_certificate(tmp_path: Path) -> None:
    _, cert_file, _, _ = _foreign_bank(tmp_path)
    other = tmp_path / "other.key"
    other.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(InvalidInput, match="does not match"):
        ensure_ca(tmp_path / "data", bank_key_file=other, bank_cert_file=cert_file)


def test_half_configured_bank_is_rejected(tmp_path: Path) -> None:
    key_file, _, _, _ = _foreign_bank(tmp_path)
    with pytest.raises(InvalidInput):
        ensure_ca(tmp_path / "data", bank_key_file=key_file)


def test_borrower_signature_verifies_with_a_freshly_loaded_ca(
    ca: LocalCA, ca_dir: Path, borrower_signed: bytes, unsigned_pdf: bytes, enterprise: EventSigner
) -> None:
    reloaded = ensure_ca(ca_dir, bank_name=BANK)
    assert verify(borrower_signed, ca=reloaded).accepted
    assert verify(sign_as_borrower(unsigned_pdf, signer=enterprise, ca=reloaded), ca=ca).accepted
