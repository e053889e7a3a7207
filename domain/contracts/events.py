"""Event certificates (事件证书): a key pair and a certificate for one signature only.

When a borrower (or a guarantor) signs, the platform checks a one-time code, then creates a
fresh key, has the CA certify it for a few minutes with the signer and the enterprise in the
subject, signs with it, and lets the key go out of scope: it is never written anywhere, so no
one, the platform included, can make another signature under that certificate later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from domain.contracts.ca import aware_utc, leaf_certificate
from domain.contracts.keyfiles import pem_cert, pem_key
from domain.contracts.pki import LocalCA, SigningCredential
from domain.errors import InvalidInput

EVENT_VALIDITY = timedelta(minutes=10)
EVENT_UNIT = "Event Certificate"


@dataclass(frozen=True)
class EventSigner:
    """Who signs: the person (by email) acting for an enterprise (name and USCC)."""

    email: str
    enterprise_name: str
    uscc: str
    person_name: str = field(default="")


def issue_event_credential(
    ca: LocalCA, signer: EventSigner, *, now: datetime | None = None
) -> SigningCredential:
    """A one-signature credential: a fresh key certified for `EVENT_VALIDITY` minutes.

    The key lives only in the returned object; callers sign once and drop it.
    """
    uscc = signer.uscc.strip().upper()
    name = signer.enterprise_name.strip()
    email = signer.email.strip()
    if not name:
        raise InvalidInput("enterprise name is required", field="name")
    if len(uscc) != 18 or not uscc.isalnum():
        raise InvalidInput("USCC must be 18 letters or digits", field="uscc")
    if "@" not in email:
        raise InvalidInput("the signer needs an email address", field="email")
    now = aware_utc(now)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, EVENT_UNIT),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
        ]
    )
    cert = leaf_certificate(
        subject,
        key,
        ca.ca_key,
        ca.ca_cert,
        now,
        validity=EVENT_VALIDITY,
        crl_url=ca.crl_url,
        email=email,
    )
    return SigningCredential(
        key_pem=pem_key(key), cert_pem=pem_cert(cert), chain_pem=(ca.ca_cert_pem,)
    )
