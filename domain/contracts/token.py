"""The bank's signing key in a PKCS#11 token (an HSM, or SoftHSM2 for tests), through pyHanko's
PKCS#11 signer: the key never leaves the token; the platform holds only its label and PIN.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from domain.errors import InvalidState


@dataclass(frozen=True)
class TokenKey:
    """Where the key is: the PKCS#11 module, the token's label, the user PIN, and the labels of
    the key and its certificate in the token."""

    module: str
    token_label: str
    key_label: str
    cert_label: str = ""
    pin: str | None = field(default=None, repr=False)


@contextmanager
def token_signer(
    token: TokenKey, chain: Sequence[asn1_x509.Certificate] = ()
) -> Iterator[PKCS11Signer]:
    """A pyHanko signer for the token's key, in a session opened for the block."""
    try:
        session = open_pkcs11_session(
            token.module,
            token_criteria=TokenCriteria(label=token.token_label),
            user_pin=token.pin,
        )
    except Exception as exc:  # the PKCS#11 layer raises its own error types
        raise InvalidState(f"cannot open the PKCS#11 token {token.token_label!r}: {exc}") from exc
    try:
        yield PKCS11Signer(
            session,
            cert_label=token.cert_label or token.key_label,
            key_label=token.key_label,
            ca_chain=list(chain),
            # hash here, sign the digest in the token (CKM_ECDSA / CKM_RSA_PKCS): the mechanisms
            # every token has, where combined ones such as CKM_ECDSA_SHA256 are often missing
            use_raw_mechanism=True,
        )
    finally:
        session.close()


def token_certificate(token: TokenKey) -> asn1_x509.Certificate:
    """The certificate stored with the key in the token."""
    with token_signer(token) as signer:
        try:
            cert = signer.signing_cert
        except (SigningError, Exception) as exc:
            raise InvalidState(f"no certificate {token.cert_label!r} in the token: {exc}") from exc
        if cert is None:
            raise InvalidState(f"no certificate {token.cert_label!r} in the token")
        return cert
