"""The platform's own certificate authority and the bank's signing credential.

On first start a root CA and a bank signing certificate are created under `<data_dir>/pki/`;
later starts load them. Enterprises receive a certificate issued by that CA at registration.
A real bank certificate (PKCS#12, or PEM key + certificate) and extra trust roots can be
configured instead of the generated bank certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from domain.contracts.ca import (
    CA_COMMON_NAME,
    aware_utc,
    issued_by,
    leaf_certificate,
    load_or_create_ca,
)
from domain.contracts.keyfiles import (
    PrivateKey,
    locked,
    pem_cert,
    pem_key,
    read_cert,
    read_key,
    spki,
    write_atomic,
)
from domain.errors import InvalidInput

__all__ = [
    "CA_COMMON_NAME",
    "LocalCA",
    "SigningCredential",
    "certificate_display_name",
    "ensure_ca",
    "enterprise_credential",
    "issue_enterprise_certificate",
]

DEFAULT_BANK_NAME = "ipcredit Bank"
# A generated bank certificate is replaced this long before it expires, so that a contract is
# never signed with a certificate about to lapse.
RENEW_BEFORE = timedelta(days=30)

_BANK_KEY = "bank.key.pem"
_BANK_CERT = "bank.cert.pem"
_LOCK = ".lock"


@dataclass(frozen=True)
class SigningCredential:
    """A private key, its certificate and the chain above it, all PEM."""

    key_pem: bytes = field(repr=False)
    cert_pem: bytes
    chain_pem: tuple[bytes, ...] = ()

    @property
    def subject_name(self) -> str:
        """The certificate's common name (or organisation) as a signer's display name."""
        return certificate_display_name(self.cert_pem)


@dataclass(frozen=True)
class LocalCA:
    """The platform CA, the bank's signing credential and the roots signatures are trusted to."""

    directory: Path
    ca_cert_pem: bytes
    ca_key_pem: bytes = field(repr=False)
    bank: SigningCredential
    extra_trust_roots_pem: tuple[bytes, ...] = ()

    @property
    def trust_roots(self) -> tuple[bytes, ...]:
        """PEM roots a contract signature must chain to: the platform CA plus configured ones."""
        return (self.ca_cert_pem, *self.extra_trust_roots_pem)


def ensure_ca(
    data_dir: Path,
    *,
    bank_name: str = DEFAULT_BANK_NAME,
    bank_pkcs12: Path | None = None,
    bank_pkcs12_password: bytes | None = None,
    bank_key_file: Path | None = None,
    bank_cert_file: Path | None = None,
    bank_chain_files: Sequence[Path] = (),
    extra_trust_root_files: Sequence[Path] = (),
    now: datetime | None = None,
) -> LocalCA:
    """Load the platform CA and bank credential from `data_dir/pki`, creating them if absent."""
    now = aware_utc(now)
    directory = data_dir / "pki"
    directory.mkdir(parents=True, exist_ok=True)
    configured_bank = bank_pkcs12 is not None or bank_key_file is not None
    if bank_pkcs12 is not None and (bank_key_file is not None or bank_cert_file is not None):
        raise InvalidInput("configure the bank certificate as PKCS#12 or as PEM, not both")
    if (bank_key_file is None) != (bank_cert_file is None):
        raise InvalidInput("a PEM bank credential needs both the key file and the certificate file")

    # Several processes may start at once on the same data directory: the lock makes exactly one
    # of them create the CA, and the others load what it wrote.
    with locked(directory / _LOCK):
        ca_key, ca_cert = load_or_create_ca(directory, now)
        if configured_bank:
            bank = _load_configured_bank(
                pkcs12_file=bank_pkcs12,
                pkcs12_password=bank_pkcs12_password,
                key_file=bank_key_file,
                cert_file=bank_cert_file,
                chain_files=bank_chain_files,
            )
        else:
            bank = _load_or_create_bank(directory, ca_key, ca_cert, bank_name, now)

    extra_roots = tuple(pem_cert(read_cert(path)) for path in extra_trust_root_files)
    return LocalCA(
        directory=directory,
        ca_cert_pem=pem_cert(ca_cert),
        ca_key_pem=pem_key(ca_key),
        bank=bank,
        extra_trust_roots_pem=extra_roots,
    )


def issue_enterprise_certificate(
    ca: LocalCA, *, uscc: str, name: str, now: datetime | None = None
) -> tuple[bytes, bytes]:
    """Issue an enterprise signing key and certificate (O=name, serialNumber=USCC); PEM pair."""
    uscc = uscc.strip().upper()
    name = name.strip()
    if not name:
        raise InvalidInput("enterprise name is required", field="name")
    if len(uscc) != 18 or not uscc.isalnum():
        raise InvalidInput("USCC must be 18 letters or digits", field="uscc")
    now = aware_utc(now)
    ca_key = serialization.load_pem_private_key(ca.ca_key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInput("unsupported CA key type")
    ca_cert = x509.load_pem_x509_certificate(ca.ca_cert_pem)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = leaf_certificate(subject, key, ca_key, ca_cert, now)
    return pem_key(key), pem_cert(cert)


def enterprise_credential(ca: LocalCA, *, key_pem: bytes, cert_pem: bytes) -> SigningCredential:
    """Bundle an enterprise key and certificate with the platform CA as their chain."""
    return SigningCredential(key_pem=key_pem, cert_pem=cert_pem, chain_pem=(ca.ca_cert_pem,))


def certificate_display_name(cert_pem: bytes) -> str:
    """The common name of a PEM certificate, else its organisation, else its full subject."""
    subject = x509.load_pem_x509_certificate(cert_pem).subject
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = subject.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return subject.rfc4514_string()


def _load_or_create_bank(
    directory: Path,
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    bank_name: str,
    now: datetime,
) -> SigningCredential:
    """The generated bank credential, issued anew when missing, foreign or about to expire."""
    key_path, cert_path = directory / _BANK_KEY, directory / _BANK_CERT
    if key_path.exists() and cert_path.exists():
        cert = read_cert(cert_path)
        if issued_by(cert, ca_cert) and cert.not_valid_after_utc - RENEW_BEFORE > now:
            return SigningCredential(
                key_pem=key_path.read_bytes(),
                cert_pem=pem_cert(cert),
                chain_pem=(pem_cert(ca_cert),),
            )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, bank_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Contract Signing"),
            x509.NameAttribute(NameOID.COMMON_NAME, bank_name),
        ]
    )
    cert = leaf_certificate(subject, key, ca_key, ca_cert, now)
    write_atomic(key_path, pem_key(key), mode=0o600)
    write_atomic(cert_path, pem_cert(cert), mode=0o644)
    return SigningCredential(
        key_pem=pem_key(key), cert_pem=pem_cert(cert), chain_pem=(pem_cert(ca_cert),)
    )


def _load_configured_bank(
    *,
    pkcs12_file: Path | None,
    pkcs12_password: bytes | None,
    key_file: Path | None,
    cert_file: Path | None,
    chain_files: Sequence[Path],
) -> SigningCredential:
    """The bank credential configured as PKCS#12 or PEM files, its key checked against it."""
    chain = [read_cert(path) for path in chain_files]
    if pkcs12_file is not None:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(
                pkcs12_file.read_bytes(), pkcs12_password
            )
        except (ValueError, OSError) as exc:
            raise InvalidInput(f"cannot read the bank PKCS#12 file: {exc}") from exc
        if key is None or cert is None:
            raise InvalidInput("the bank PKCS#12 file holds no key or no certificate")
        chain = [*extra, *chain]
    elif key_file is not None and cert_file is not None:
        key = read_key(key_file)
        cert = read_cert(cert_file)
    else:
        raise InvalidInput("no bank credential configured")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInput("the bank key must be an RSA or EC key")
    if spki(key.public_key()) != spki(cert.public_key()):
        raise InvalidInput("the bank key does not match the bank certificate")
    return SigningCredential(
        key_pem=pem_key(key),
        cert_pem=pem_cert(cert),
        chain_pem=tuple(pem_cert(c) for c in chain),
    )
