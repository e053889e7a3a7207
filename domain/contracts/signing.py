"""PAdES signatures on contract PDFs with pyHanko: apply one, with trusted time and the data
to validate it later.

Every signature is an incremental update, so the borrower's signature stays valid after the
bank signs. A signature gets an RFC 3161 timestamp (PAdES B-T) when a time-stamper is given,
and the certificates and CRLs that validate the signer and the TSA are written into the
document's security store (DSS) in the same revision, before the signature, so the signature
covers them and the file needs no update after it (PAdES B-LT). Verification is in
verification.py.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from domain.contracts.token import TokenKey, token_signer
from domain.errors import InvalidInput, InvalidState

T = TypeVar("T")

# Room for the CMS object: signer and CA certificates plus a timestamp token with the TSA's
# (about 4 KiB with EC keys, more with RSA chains). A fixed size spares pyHanko a trial
# signature to measure it.
SIGNATURE_BYTES = 16 * 1024


def sign_pdf(
    pdf: bytes,
    *,
    key_pem: bytes,
    cert_pem: bytes,
    chain: Sequence[bytes],
    field_name: str,
    signer_name: str,
    reason: str,
    location: str,
    timestamper: TimeStamper | None = None,
    validation_certs: Sequence[bytes] = (),
    crls: Sequence[bytes] = (),
) -> bytes:
    """Append a PAdES signature in a new invisible field `field_name`; return the new PDF.

    B-B without `timestamper`; B-T with it; B-LT when `crls` (DER) are given too: the signer's
    certificate, its chain, `validation_certs` (PEM, e.g. the TSA's) and the CRLs go into the
    DSS of the signed revision.
    """
    try:
        signing_key = load_private_key_from_pemder_data(key_pem, passphrase=None)
        signing_cert = _load_one_cert(cert_pem)
        chain_certs = _load_certs(chain)
        extra_certs = _load_certs(validation_certs)
        crl_objects = [asn1_crl.CertificateList.load(data) for data in crls]
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"unreadable signing key or certificate: {exc}") from exc
    if not _key_matches(key_pem, signing_cert):
        raise InvalidInput("the signing key does not belong to the signing certificate")
    signer = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs(chain_certs),  # type: ignore[no-untyped-call]
    )
    return _sign_long_term(
        pdf, signer, [*chain_certs, *extra_certs], crl_objects,
        field_name=field_name, signer_name=signer_name, reason=reason, location=location,
        timestamper=timestamper,
    )  # fmt: skip


def sign_with_token(
    pdf: bytes,
    *,
    token: TokenKey,
    chain: Sequence[bytes],
    field_name: str,
    signer_name: str,
    reason: str,
    location: str,
    timestamper: TimeStamper | None = None,
    validation_certs: Sequence[bytes] = (),
    crls: Sequence[bytes] = (),
) -> bytes:
    """As `sign_pdf`, with the key (and its certificate) in a PKCS#11 token."""
    try:
        chain_certs = _load_certs(chain)
        extra_certs = _load_certs(validation_certs)
        crl_objects = [asn1_crl.CertificateList.load(data) for data in crls]
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"unreadable certificate or CRL: {exc}") from exc
    with token_signer(token, chain_certs) as signer:
        return _sign_long_term(
            pdf, signer, [*chain_certs, *extra_certs], crl_objects,
            field_name=field_name, signer_name=signer_name, reason=reason, location=location,
            timestamper=timestamper,
        )  # fmt: skip


def _sign_long_term(
    pdf: bytes,
    signer: signers.Signer,
    validation_certs: Sequence[asn1_x509.Certificate],
    crls: Sequence[asn1_crl.CertificateList],
    **placement: Any,
) -> bytes:
    """`sign_with`, the signer's certificate and `validation_certs` going into the DSS with
    the CRLs when there are CRLs (B-LT)."""
    signing_cert = signer.signing_cert
    assert signing_cert is not None  # given, or pulled from the token by the signer
    dss_certs = [signing_cert, *validation_certs] if crls else []
    return sign_with(pdf, signer=signer, dss_certs=dss_certs, crls=crls, **placement)


def sign_with(
    pdf: bytes,
    *,
    signer: signers.Signer,
    field_name: str,
    signer_name: str,
    reason: str,
    location: str,
    timestamper: TimeStamper | None = None,
    dss_certs: Sequence[asn1_x509.Certificate] = (),
    crls: Sequence[asn1_crl.CertificateList] = (),
) -> bytes:
    """Sign with any pyHanko signer (a key in memory or in a PKCS#11 token)."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        name=signer_name,
        reason=reason,
        location=location,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if _has_field(writer.prev, field_name):
            raise InvalidState(f"the document already has a signature field {field_name!r}")
        if crls:
            DocumentSecurityStore.supply_dss_in_writer(
                writer, None, certs=list(dss_certs), crls=list(crls)
            )
        output = outside_event_loop(
            lambda: signers.sign_pdf(
                writer,
                meta,
                signer=signer,
                timestamper=timestamper,
                bytes_reserved=SIGNATURE_BYTES,
            )
        )
    except (PdfError, SigningError) as exc:
        raise InvalidInput(f"cannot sign this document: {exc}") from exc
    result: bytes = output.getvalue()
    return result


def outside_event_loop(call: Callable[[], T]) -> T:
    """Run a pyHanko entry point where it can start its own event loop.

    pyHanko's synchronous API calls asyncio.run, which fails inside a running loop: there,
    the call moves to a worker thread (and the caller still waits for it).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def load_certs(items: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM or DER items (one item may be a PEM bundle of several)."""
    return _load_certs(items)


def _key_matches(key_pem: bytes, cert: asn1_x509.Certificate) -> bool:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        return False
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return bool(public == cert.public_key.dump())


def _has_field(reader: PdfFileReader, field_name: str) -> bool:
    return any(name == field_name for name, _, _ in fields.enumerate_sig_fields(reader))


def _load_one_cert(data: bytes) -> asn1_x509.Certificate:
    certs = list(load_certs_from_pemder_data(data))
    if len(certs) != 1:
        raise ValueError(f"expected one certificate, found {len(certs)}")
    return certs[0]


def _load_certs(items: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    return [cert for data in items for cert in load_certs_from_pemder_data(data)]
