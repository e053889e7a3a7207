"""The platform's own certificate authority, its time-stamping authority and the bank's
signing credential.

On first start a root CA, a TSA certificate and a bank signing certificate are created under
`<data_dir>/pki/`, their keys encrypted under the key passphrase (see keystore.py); later starts
load them. A real bank certificate (PKCS#12, or PEM key + certificate) and extra trust roots can
be configured instead of the generated bank certificate. Borrowers hold no key at all: each of
their signatures gets an event certificate (events.py).
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
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper

from domain.contracts import keystore
from domain.contracts.ca import (
    CA_COMMON_NAME,
    aware_utc,
    issued_by,
    leaf_certificate,
    load_or_create_ca,
)
from domain.contracts.crl import crl_url, current_crl
from domain.contracts.keyfiles import (
    PrivateKey,
    locked,
    pem_cert,
    pem_key,
    read_cert,
    spki,
    write_atomic,
)
from domain.contracts.keyfiles import read_key as read_plain_key
from domain.contracts.token import TokenKey, token_certificate
from domain.contracts.tsa import LocalTimeStamper, TimeStampAuthority
from domain.errors import InvalidInput

__all__ = [
    "CA_COMMON_NAME",
    "DEFAULT_PUBLIC_URL",
    "LocalCA",
    "BankOptions",
    "SigningCredential",
    "TokenKey",
    "certificate_display_name",
    "ensure_ca",
]

DEFAULT_BANK_NAME = "ipcredit Bank"
DEFAULT_PUBLIC_URL = "http://localhost:8000"
# A generated certificate is replaced this long before it expires, so that a contract is never
# signed with a certificate about to lapse.
RENEW_BEFORE = timedelta(days=30)

_BANK = "bank"
_TSA = "tsa"
_LOCK = ".lock"


@dataclass(frozen=True)
class SigningCredential:
    """A private key (in memory only, or in a PKCS#11 token), its certificate and the chain
    above it, all PEM."""

    key_pem: bytes = field(repr=False)
    cert_pem: bytes
    chain_pem: tuple[bytes, ...] = ()
    token: TokenKey | None = None

    @property
    def subject_name(self) -> str:
        """The certificate's common name (or organisation) as a signer's display name."""
        return certificate_display_name(self.cert_pem)


@dataclass(frozen=True)
class LocalCA:
    """The platform CA, its TSA, the bank's signing credential and the trusted roots."""

    directory: Path
    ca_cert_pem: bytes
    ca_key: PrivateKey = field(repr=False)
    bank: SigningCredential
    tsa: TimeStampAuthority = field(repr=False)
    timestamper: TimeStamper = field(repr=False)
    crl_url: str
    # certificates that validate the timestamps, for the DSS (the platform TSA's; an outside
    # TSA's come inside its tokens)
    tsa_chain_pem: tuple[bytes, ...] = ()
    extra_trust_roots_pem: tuple[bytes, ...] = ()

    @property
    def trust_roots(self) -> tuple[bytes, ...]:
        """PEM roots a contract signature must chain to: the platform CA plus configured ones."""
        return (self.ca_cert_pem, *self.extra_trust_roots_pem)

    @property
    def ca_cert(self) -> x509.Certificate:
        """The CA certificate."""
        return x509.load_pem_x509_certificate(self.ca_cert_pem)

    def crl(self, now: datetime | None = None) -> bytes:
        """The CA's current CRL (DER), re-issued when the stored one is no longer fresh."""
        with locked(self.directory / _LOCK):
            return current_crl(self.directory, self.ca_key, self.ca_cert, aware_utc(now))


@dataclass(frozen=True)
class BankOptions:
    """A bank credential configured instead of the generated one: PKCS#12, PEM files, or a key
    in a PKCS#11 token (with its certificate in the token)."""

    pkcs12: Path | None = None
    pkcs12_password: bytes | None = field(default=None, repr=False)
    key_file: Path | None = None
    cert_file: Path | None = None
    chain_files: Sequence[Path] = ()
    token: TokenKey | None = None

    def check(self) -> bool:
        """Whether a bank credential is configured; INVALID_INPUT if half or twice."""
        kinds = [self.pkcs12 is not None, self.key_file is not None, self.token is not None]
        if sum(kinds) > 1 or (self.pkcs12 is not None and self.cert_file is not None):
            raise InvalidInput("configure the bank key as PKCS#12, PEM or a PKCS#11 token: one")
        if (self.key_file is None) != (self.cert_file is None):
            raise InvalidInput(
                "a PEM bank credential needs both the key file and the certificate file"
            )
        return any(kinds)


def ensure_ca(
    data_dir: Path,
    *,
    bank_name: str = DEFAULT_BANK_NAME,
    bank_pkcs12: Path | None = None,
    bank_pkcs12_password: bytes | None = None,
    bank_key_file: Path | None = None,
    bank_cert_file: Path | None = None,
    bank_chain_files: Sequence[Path] = (),
    bank_token: TokenKey | None = None,
    extra_trust_root_files: Sequence[Path] = (),
    passphrase: bytes | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
    tsa_url: str = "",
    now: datetime | None = None,
) -> LocalCA:
    """Load the platform CA, TSA and bank credential from `data_dir/pki`, creating them if
    absent; keys are stored encrypted under `passphrase` (development: the generated one)."""
    now = aware_utc(now)
    options = BankOptions(bank_pkcs12, bank_pkcs12_password, bank_key_file, bank_cert_file,
                          bank_chain_files, bank_token)  # fmt: skip
    configured_bank = options.check()
    if passphrase is None:
        passphrase = keystore.resolve_passphrase(data_dir)
    directory = keystore.private_dir(data_dir / "pki")
    crl_location = crl_url(public_url)
    # Several processes may start at once on the same data directory: the lock makes exactly one
    # of them create the CA, and the others load what it wrote.
    with locked(directory / _LOCK):
        ca_key, ca_cert = load_or_create_ca(directory, now, passphrase)
        issue = _Issuer(directory, ca_key, ca_cert, passphrase, crl_location, now)
        if configured_bank:
            bank = _load_configured_bank(options, ca_cert)
        else:
            bank = issue.credential(_BANK, _bank_subject(bank_name))
        tsa = issue.credential(_TSA, _tsa_subject(), time_stamping=True)
        current_crl(directory, ca_key, ca_cert, now)

    authority = TimeStampAuthority(
        keystore_key(tsa), x509.load_pem_x509_certificate(tsa.cert_pem), (ca_cert,)
    )
    timestamper: TimeStamper = HTTPTimeStamper(tsa_url) if tsa_url else LocalTimeStamper(authority)
    return LocalCA(
        directory=directory,
        ca_cert_pem=pem_cert(ca_cert),
        ca_key=ca_key,
        bank=bank,
        tsa=authority,
        timestamper=timestamper,
        crl_url=crl_location,
        tsa_chain_pem=() if tsa_url else (tsa.cert_pem,),
        extra_trust_roots_pem=tuple(pem_cert(read_cert(p)) for p in extra_trust_root_files),
    )


def keystore_key(credential: SigningCredential) -> PrivateKey:
    """The private key object of an in-memory credential."""
    key = serialization.load_pem_private_key(credential.key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInput("only RSA and EC keys are supported")
    return key


def certificate_display_name(cert_pem: bytes) -> str:
    """The common name of a PEM certificate, else its organisation, else its full subject."""
    subject = x509.load_pem_x509_certificate(cert_pem).subject
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = subject.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return subject.rfc4514_string()


@dataclass(frozen=True)
class _Issuer:
    """Loads or (re-)issues the platform's own long-lived credentials under the CA lock."""

    directory: Path
    ca_key: PrivateKey
    ca_cert: x509.Certificate
    passphrase: bytes
    crl_url: str
    now: datetime

    def credential(
        self, stem: str, subject: x509.Name, *, time_stamping: bool = False
    ) -> SigningCredential:
        """The stored credential `stem`, issued anew when missing, foreign or about to expire."""
        key_path = self.directory / f"{stem}.key.pem"
        cert_path = self.directory / f"{stem}.cert.pem"
        chain = (pem_cert(self.ca_cert),)
        if key_path.exists() and cert_path.exists():
            cert = read_cert(cert_path)
            if issued_by(cert, self.ca_cert) and cert.not_valid_after_utc - RENEW_BEFORE > self.now:
                key = keystore.read_key(key_path, self.passphrase)
                return SigningCredential(pem_key(key), pem_cert(cert), chain)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = leaf_certificate(
            subject,
            key,
            self.ca_key,
            self.ca_cert,
            self.now,
            crl_url=self.crl_url,
            time_stamping=time_stamping,
        )
        keystore.write_key(key_path, key, self.passphrase)
        write_atomic(cert_path, pem_cert(cert), mode=0o644)
        return SigningCredential(pem_key(key), pem_cert(cert), chain)


def _bank_subject(bank_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, bank_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Contract Signing"),
            x509.NameAttribute(NameOID.COMMON_NAME, bank_name),
        ]
    )


def _tsa_subject() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ipcredit"),
            x509.NameAttribute(NameOID.COMMON_NAME, "ipcredit Time-Stamping Authority"),
        ]
    )


def _load_configured_bank(options: BankOptions, ca_cert: x509.Certificate) -> SigningCredential:
    """The bank credential configured as PKCS#12, PEM or a token key, checked against its
    certificate."""
    chain = [read_cert(path) for path in options.chain_files]
    if options.token is not None:
        token_cert = x509.load_der_x509_certificate(token_certificate(options.token).dump())
        if issued_by(token_cert, ca_cert):
            chain = [ca_cert, *chain]
        return SigningCredential(
            key_pem=b"",
            cert_pem=pem_cert(token_cert),
            chain_pem=tuple(pem_cert(c) for c in chain),
            token=options.token,
        )
    if options.pkcs12 is not None:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(
                options.pkcs12.read_bytes(), options.pkcs12_password
            )
        except (ValueError, OSError) as exc:
            raise InvalidInput(f"cannot read the bank PKCS#12 file: {exc}") from exc
        if key is None or cert is None:
            raise InvalidInput("the bank PKCS#12 file holds no key or no certificate")
        chain = [*extra, *chain]
    elif options.key_file is not None and options.cert_file is not None:
        key = read_plain_key(options.key_file)
        cert = read_cert(options.cert_file)
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
