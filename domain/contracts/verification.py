"""Verifying every signature of a contract PDF: integrity, trust, trusted time, LTV level.

Each signature is checked against the given trust roots and for what was appended after it
(only later signatures and their validation data). A signature with a valid timestamp from a
trusted TSA is B-T, and its certificates are judged at that time, so that a signature made
with a certificate valid for minutes stays verifiable. When the document's security store
(DSS) holds the certificates and CRLs to validate the signer and the TSA at that time without
fetching anything, the signature is B-LT.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import ValidationInfoReadingError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath

from domain.contracts.container import container_untampered
from domain.contracts.signing import load_certs, outside_event_loop
from domain.errors import InvalidInput

LEVELS = ("B-B", "B-T", "B-LT")
# Changes pyHanko's diff analysis accepts after a signature when another signature is added.
_ALLOWED_LATER_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                          ModificationLevel.FORM_FILLING)  # fmt: skip


@dataclass(frozen=True)
class CertificateStatus:
    """One certificate of a signature's chain (or of its timestamp's), as judged.

    status: GOOD (chains to a trusted root, valid and not revoked at the signing time),
        REVOKED, or UNTRUSTED. revocation_checked: a CRL embedded in the document was
        consulted for it (roots are trusted as such).
    """

    role: str  # SIGNER, TSA or CA
    subject: str
    serial: str
    valid_from: datetime
    valid_until: datetime
    status: str
    revocation_checked: bool


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one signature, in signing order.

    valid: the CMS signature verifies with the signer's key over the bytes it covers.
    intact: those bytes are unchanged, and everything appended afterwards is only further
        signatures (pyHanko's difference analysis), never an edit of the contract.
    trusted: the signer's certificate chains to one of the trust roots, was within its validity
        period and not revoked at the signing time, and allows non-repudiation.
    covers_whole_document: the signature covers every byte of the file (true only for the last
        signature of an untouched file).
    level: B-B, B-T (trusted timestamp) or B-LT (and embedded validation data).
    timestamp: the time the TSA certified, if the timestamp is valid and trusted.
    """

    field_name: str
    signer: str
    signed_at: datetime
    valid: bool
    intact: bool
    trusted: bool
    covers_whole_document: bool
    problem: str | None = None
    level: str = "B-B"
    timestamp: datetime | None = None
    certificates: tuple[CertificateStatus, ...] = field(default=())


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

    @property
    def level(self) -> str | None:
        """The lowest PAdES level among the signatures (None without signatures)."""
        if not self.signatures:
            return None
        return min((s.level for s in self.signatures), key=LEVELS.index)


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[bytes],
    at: datetime | None = None,
    expected_sha256: str | None = None,
) -> VerificationResult:
    """Check every signature of `pdf` against `trust_roots` (PEM), each as of its trusted
    timestamp; a signature without one as of `at` (default now).

    With `expected_sha256` (the hash recorded when the file was stored), any difference from
    that file also makes the document not intact, whatever the signatures say.
    """
    try:
        roots = load_certs(trust_roots)
        crypto_roots = [x509.load_der_x509_certificate(root.dump()) for root in roots]
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"unreadable trust root: {exc}") from exc
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
        dss = _read_dss(reader)
    except Exception as exc:  # a damaged file must give a verdict, whatever the parser raises
        return VerificationResult(False, (), f"the file cannot be read as a PDF ({_short(exc)})")
    if not embedded:
        return VerificationResult(False, (), "no signatures")

    judge = _Judge(roots=roots, crypto_roots=crypto_roots, dss=dss, at=at)
    checks = tuple(
        judge.check(sig, pdf, is_last=index == len(embedded) - 1)
        for index, sig in enumerate(embedded)
    )
    intact = all(c.valid and c.intact for c in checks) and checks[-1].covers_whole_document
    detail = _detail(checks, intact)
    if expected_sha256 is not None and hashlib.sha256(pdf).hexdigest() != expected_sha256.lower():
        return VerificationResult(
            False, checks, "the file differs from the signed contract on record; " + detail
        )
    return VerificationResult(intact, checks, detail)


@dataclass(frozen=True)
class _Judge:
    roots: list[asn1_x509.Certificate]
    crypto_roots: list[x509.Certificate]
    dss: DocumentSecurityStore | None
    at: datetime | None

    def check(self, sig: EmbeddedPdfSignature, pdf: bytes, *, is_last: bool) -> SignatureCheck:
        field_name = str(sig.field_name)
        signer = _signer_name(sig)
        signed_at = _signed_at(sig)
        try:
            status, long_term = self.validate(sig)
        except Exception as exc:  # corrupt CMS data or byte ranges surface as assorted errors
            return SignatureCheck(
                field_name, signer, signed_at, valid=False, intact=False, trusted=False,
                covers_whole_document=False, problem=f"cannot be validated ({_short(exc)})",
            )  # fmt: skip
        if status.signer_reported_dt is not None:
            signed_at = status.signer_reported_dt.astimezone(UTC)
        container_ok = container_untampered(sig, pdf, self.crypto_roots)
        valid = bool(status.valid and status.intact)
        covers_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and _reaches_end(
            sig, pdf
        )
        later_ok = covers_file or (
            not is_last
            and status.coverage is not None
            and status.coverage >= SignatureCoverageLevel.ENTIRE_REVISION
            and status.docmdp_ok is not False
            and status.modification_level in _ALLOWED_LATER_CHANGES
        )
        stamp = _trusted_time(status)
        level = "B-LT" if stamp and long_term else "B-T" if stamp else "B-B"
        return SignatureCheck(
            field_name=field_name,
            signer=signer,
            signed_at=signed_at,
            valid=valid,
            intact=bool(status.intact) and container_ok and later_ok,
            trusted=bool(status.trusted),
            covers_whole_document=covers_file,
            problem=_problem(status, container_ok, later_ok),
            level=level,
            timestamp=stamp,
            certificates=_certificates(status, long_term),
        )

    def validate(self, sig: EmbeddedPdfSignature) -> tuple[PdfSignatureStatus, bool]:
        """The status as of the signature's trusted timestamp if it has one (with the embedded
        CRLs required when the document has a DSS), else as of `at`; the second value tells
        whether the strict check held."""
        claimed = _claimed_time(sig)
        if claimed is not None:
            if self.dss is not None:
                status = self._run(sig, claimed, strict=True)
                if status.revoked or (status.trusted and _trusted_time(status) is not None):
                    return status, bool(status.trusted)
            status = self._run(sig, claimed, strict=False)
            if _trusted_time(status) is not None:
                return status, False
        # no timestamp, or one that is not trusted: judge as of the verification time
        return self._run(sig, self.at, strict=False), False

    def _run(
        self, sig: EmbeddedPdfSignature, moment: datetime | None, *, strict: bool
    ) -> PdfSignatureStatus:
        def context() -> ValidationContext:
            kwargs: dict[str, object] = {
                "trust_roots": self.roots,
                "moment": moment,
                "allow_fetching": False,
                "retroactive_revinfo": True,
                "revocation_mode": "hard-fail" if strict else "soft-fail",
            }
            if self.dss is not None:
                return self.dss.as_validation_context(kwargs)
            return ValidationContext(**kwargs)  # type: ignore[arg-type]

        return outside_event_loop(
            lambda: validate_pdf_signature(
                sig, signer_validation_context=context(), ts_validation_context=context()
            )
        )


def _read_dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except ValidationInfoReadingError:
        return None


def _claimed_time(sig: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's timestamp token, not yet checked (None without one)."""
    try:
        for attr in sig.signer_info["unsigned_attrs"]:
            if attr["type"].native != "signature_time_stamp_token":
                continue
            token: cms.ContentInfo = attr["values"][0]
            content = token["content"]["encap_content_info"]["content"]
            info = tsp.TSTInfo.load(bytes(content.contents))
            gen_time: datetime = info["gen_time"].native
            return gen_time.astimezone(UTC)
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return None


def _trusted_time(status: PdfSignatureStatus) -> datetime | None:
    stamp = status.timestamp_validity
    if stamp is None or not (stamp.valid and stamp.intact and stamp.trusted):
        return None
    return stamp.timestamp.astimezone(UTC)


def _problem(status: PdfSignatureStatus, container_ok: bool, later_ok: bool) -> str | None:
    if not status.intact:
        return "the signed bytes were changed"
    if not container_ok:
        return "the signature container was altered"
    if not status.valid:
        return "the cryptographic signature does not verify"
    if not later_ok:
        return "the document was modified after this signature"
    if status.revoked:
        return "the signer's certificate was revoked"
    if not status.trusted:
        return "the signer's certificate does not chain to a trusted root"
    return None


def _certificates(status: PdfSignatureStatus, checked: bool) -> tuple[CertificateStatus, ...]:
    signer_state = "REVOKED" if status.revoked else "GOOD" if status.trusted else "UNTRUSTED"
    found = _path_statuses(status.validation_path, "SIGNER", signer_state, checked)
    stamp = status.timestamp_validity
    if stamp is not None:
        tsa_state = "REVOKED" if stamp.revoked else "GOOD" if stamp.trusted else "UNTRUSTED"
        found += _path_statuses(stamp.validation_path, "TSA", tsa_state, checked)
    return found


def _path_statuses(
    path: ValidationPath | None, role: str, state: str, checked: bool
) -> tuple[CertificateStatus, ...]:
    if path is None:
        return ()
    certs = list(path.iter_certs(include_root=True))
    result = []
    for index, cert in enumerate(certs):
        is_root = index == 0 and len(certs) > 1
        result.append(
            CertificateStatus(
                role=role if index == len(certs) - 1 else "CA",
                subject=_cert_display_name(cert),
                serial=format(cert.serial_number, "x"),
                valid_from=cert.not_valid_before.astimezone(UTC),
                valid_until=cert.not_valid_after.astimezone(UTC),
                status="GOOD" if is_root and state != "UNTRUSTED" else state,
                revocation_checked=checked and not is_root,
            )
        )
    return tuple(result)


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


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
