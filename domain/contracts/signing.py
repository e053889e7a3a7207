"""PAdES signatures on contract PDFs with pyHanko: apply one, and verify all of them.

Every signature is an incremental update, so the borrower's signature stays valid after the
bank signs. Verification checks each signature against the given trust roots and checks that
nothing but later signatures was appended after a signature, and nothing at all after the last.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from domain.contracts.container import container_untampered
from domain.errors import InvalidInput, InvalidState

T = TypeVar("T")

# Changes pyHanko's diff analysis accepts after a signature when another signature is added.
_ALLOWED_LATER_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                          ModificationLevel.FORM_FILLING)  # fmt: skip


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one signature, in signing order.

    valid: the CMS signature verifies with the signer's key over the bytes it covers.
    intact: those bytes are unchanged, and everything appended afterwards is only further
        signatures (pyHanko's difference analysis), never an edit of the contract.
    trusted: the signer's certificate chains to one of the trust roots, is within its validity
        period and allows non-repudiation.
    covers_whole_document: the signature covers every byte of the file (true only for the last
        signature of an untouched file).
    """

    field_name: str
    signer: str
    signed_at: datetime
    valid: bool
    intact: bool
    trusted: bool
    covers_whole_document: bool
    problem: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    """The verdict on a whole document.

    intact: the document has signatures, every one is valid and intact, and the last covers the
        whole file: nothing was changed after any signature except by adding the later ones.
        Trust is reported per signature, not folded into `intact`: see `all_trusted`.
    """

    intact: bool
    signatures: tuple[SignatureCheck, ...]
    detail: str

    @property
    def all_trusted(self) -> bool:
        """Whether there are signatures and every one chains to a trusted root."""
        return bool(self.signatures) and all(s.trusted for s in self.signatures)

    @property
    def accepted(self) -> bool:
        """Intact and every signer trusted: the document can be relied on."""
        return self.intact and self.all_trusted


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
) -> bytes:
    """Append a PAdES B-B signature in a new invisible field `field_name`; return the new PDF."""
    try:
        signing_key = load_private_key_from_pemder_data(key_pem, passphrase=None)
        signing_cert = _load_one_cert(cert_pem)
        chain_certs = _load_certs(chain)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"unreadable signing key or certificate: {exc}") from exc
    if not _key_matches(key_pem, signing_cert):
        raise InvalidInput("the signing key does not belong to the signing certificate")
    signer = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs(chain_certs),  # type: ignore[no-untyped-call]
    )
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
        output = _outside_event_loop(lambda: signers.sign_pdf(writer, meta, signer=signer))
    except (PdfError, SigningError) as exc:
        raise InvalidInput(f"cannot sign this document: {exc}") from exc
    result: bytes = output.getvalue()
    return result


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[bytes],
    at: datetime | None = None,
    expected_sha256: str | None = None,
) -> VerificationResult:
    """Check every signature of `pdf` against `trust_roots` (PEM) as of `at` (default now).

    With `expected_sha256` (the hash recorded when the file was stored), any difference from
    that file also makes the document not intact, whatever the signatures say.
    """
    try:
        roots = _load_certs(trust_roots)
        crypto_roots = [x509.load_der_x509_certificate(root.dump()) for root in roots]
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"unreadable trust root: {exc}") from exc
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:  # a damaged file must give a verdict, whatever the parser raises
        return VerificationResult(False, (), f"the file cannot be read as a PDF ({_short(exc)})")
    if not embedded:
        return VerificationResult(False, (), "no signatures")

    context = ValidationContext(trust_roots=roots, moment=at, allow_fetching=False)
    checks = tuple(
        _check(sig, pdf, context, crypto_roots, is_last=index == len(embedded) - 1)
        for index, sig in enumerate(embedded)
    )
    intact = all(c.valid and c.intact for c in checks) and checks[-1].covers_whole_document
    detail = _detail(checks, intact)
    if expected_sha256 is not None and hashlib.sha256(pdf).hexdigest() != expected_sha256.lower():
        return VerificationResult(
            False, checks, "the file differs from the signed contract on record; " + detail
        )
    return VerificationResult(intact, checks, detail)


def _check(
    sig: EmbeddedPdfSignature,
    pdf: bytes,
    context: ValidationContext,
    roots: Sequence[x509.Certificate],
    *,
    is_last: bool,
) -> SignatureCheck:
    field_name = str(sig.field_name)
    signer = _signer_name(sig)
    signed_at = _signed_at(sig)
    try:
        status: PdfSignatureStatus = _outside_event_loop(
            lambda: validate_pdf_signature(sig, context)
        )
    except Exception as exc:  # corrupt CMS data or byte ranges surface as assorted errors
        return SignatureCheck(
            field_name, signer, signed_at, valid=False, intact=False, trusted=False,
            covers_whole_document=False, problem=f"cannot be validated ({_short(exc)})",
        )  # fmt: skip
    if status.signer_reported_dt is not None:
        signed_at = status.signer_reported_dt.astimezone(UTC)
    container_ok = container_untampered(sig, pdf, roots)
    valid = bool(status.valid and status.intact)
    covers_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and _reaches_end(sig, pdf)
    later_ok = covers_file or (
        not is_last
        and status.coverage is not None
        and status.coverage >= SignatureCoverageLevel.ENTIRE_REVISION
        and status.docmdp_ok is not False
        and status.modification_level in _ALLOWED_LATER_CHANGES
    )
    intact = bool(status.intact) and container_ok and later_ok
    problem = None
    if not status.intact:
        problem = "the signed bytes were changed"
    elif not container_ok:
        problem = "the signature container was altered"
    elif not status.valid:
        problem = "the cryptographic signature does not verify"
    elif not later_ok:
        problem = "the document was modified after this signature"
    elif not status.trusted:
        problem = "the signer's certificate does not chain to a trusted root"
    return SignatureCheck(
        field_name=field_name,
        signer=signer,
        signed_at=signed_at,
        valid=valid,
        intact=intact,
        trusted=bool(status.trusted),
        covers_whole_document=covers_file,
        problem=problem,
    )


def _outside_event_loop(call: Callable[[], T]) -> T:
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


def _reaches_end(sig: EmbeddedPdfSignature, pdf: bytes) -> bool:
    try:
        return int(sig.byte_range[2]) + int(sig.byte_range[3]) == len(pdf)
    except (IndexError, TypeError, ValueError):
        return False


def _signer_name(sig: EmbeddedPdfSignature) -> str:
    try:
        cert = sig.signer_cert
    except Exception:  # no or unusable certificate: fall back to the name the signer wrote
        name = sig.sig_object.get("/Name")
        return str(name) if name else "unknown signer"
    return _cert_display_name(cert)


def _cert_display_name(cert: asn1_x509.Certificate) -> str:
    subject = cert.subject.native
    for key in ("common_name", "organization_name"):
        value = subject.get(key)
        if value:
            return str(value[0] if isinstance(value, list) else value)
    return str(cert.subject.human_friendly)


def _signed_at(sig: EmbeddedPdfSignature) -> datetime:
    try:
        reported = sig.self_reported_timestamp
    except Exception:  # unreadable time: report the epoch rather than fail the whole verdict
        reported = None
    if reported is None:
        return datetime.fromtimestamp(0, UTC)
    if reported.tzinfo is None:
        return reported.replace(tzinfo=UTC)
    return reported.astimezone(UTC)


def _detail(checks: tuple[SignatureCheck, ...], intact: bool) -> str:
    count = len(checks)
    noun = "signature" if count == 1 else "signatures"
    if intact and all(c.trusted for c in checks):
        return (
            f"{count} {noun}, all valid and trusted; the document is unchanged since it was signed."
        )
    problems = [
        f"signature {index} ({c.signer}): {c.problem}"
        for index, c in enumerate(checks, start=1)
        if c.problem
    ]
    if not checks[-1].covers_whole_document and checks[-1].problem is None:
        problems.append("the file was changed after the last signature")
    head = (
        f"{count} {noun}; the document is unchanged since it was signed, but "
        if intact
        else f"{count} {noun}; the document is NOT intact: "
    )
    return head + "; ".join(problems) + "."


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
    # One item may be a PEM bundle of several certificates.
    return [cert for data in items for cert in load_certs_from_pemder_data(data)]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
