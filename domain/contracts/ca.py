"""The platform's root CA and the leaf certificates it issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from domain.contracts import keystore
from domain.contracts.keyfiles import PrivateKey, pem_cert, read_cert, write_atomic
from domain.errors import InvalidInput

CA_COMMON_NAME = "ipcredit Platform CA"
CA_VALIDITY = timedelta(days=3652)
LEAF_VALIDITY = timedelta(days=730)
# Backdating absorbs small clock differences between the machines that verify.
BACKDATE = timedelta(minutes=5)

_CA_KEY = "ca.key.pem"
_CA_CERT = "ca.cert.pem"


def load_or_create_ca(
    directory: Path, now: datetime, passphrase: bytes
) -> tuple[PrivateKey, x509.Certificate]:
    """The CA key (encrypted under `passphrase`) and certificate stored in `directory`, created
    and stored first if absent."""
    key_path, cert_path = directory / _CA_KEY, directory / _CA_CERT
    if key_path.exists() and cert_path.exists():
        return keystore.read_key(key_path, passphrase), read_cert(cert_path)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ipcredit"),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
        ]
    )
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    # Key first: a certificate on disk without its key would be loaded as a broken CA.
    keystore.write_key(key_path, key, passphrase)
    write_atomic(cert_path, pem_cert(cert), mode=0o644)
    return key, cert


def leaf_certificate(
    subject: x509.Name,
    key: PrivateKey,
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    now: datetime,
    *,
    validity: timedelta = LEAF_VALIDITY,
    crl_url: str | None = None,
    time_stamping: bool = False,
    email: str | None = None,
) -> x509.Certificate:
    """A certificate for `subject` and `key`, issued by the CA and within its validity.

    A signing certificate allows non-repudiation; a TSA certificate (`time_stamping`) allows
    only time-stamping (critical extended key usage, RFC 3161). `crl_url` names where the CA
    publishes its revocation list.
    """
    public = key.public_key()
    not_after = min(now + validity, ca_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_usage(time_stamping), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    if crl_url:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _leaf_usage(time_stamping: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        # nonRepudiation: a contract signature commits its signer
        content_commitment=not time_stamping,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer` signed `cert`."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def aware_utc(now: datetime | None) -> datetime:
    """`now` in UTC (the current time when None); INVALID_INPUT for a naive time."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise InvalidInput("times must be timezone-aware")
    return now.astimezone(UTC)
