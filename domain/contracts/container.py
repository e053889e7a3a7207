"""Checks on the one region of a signed PDF that no signature's hash covers: its CMS container.

A signature covers the whole file except its own /Contents hex string, and inside that string
pyHanko verifies only what the signer signed. The hex encoding, the zero padding, the unsigned
CMS fields and the chain certificates carried along are checked here, so that changing any byte
of the last signature's container is noticed too.
"""

from __future__ import annotations

from collections.abc import Sequence

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature


def container_untampered(
    sig: EmbeddedPdfSignature, pdf: bytes, roots: Sequence[x509.Certificate]
) -> bool:
    """Whether the parts of a signature that its own hash skips hold only what the signer wrote."""
    try:
        return (
            _container_untouched(sig, pdf)
            and _unsigned_fields_canonical(sig)
            and _embedded_certs_consistent(sig, roots)
        )
    except Exception:  # lazily parsed ASN.1 fails with assorted errors: a damaged container
        return False


def _container_untouched(sig: EmbeddedPdfSignature, pdf: bytes) -> bool:
    """The /Contents hex string is not covered by the signature: check it byte for byte.

    The CMS object is shorter than the space reserved for it; the reader ignores the zero
    padding after it, so a change there (or a change of hex-digit case) would go unseen.
    """
    try:
        start = int(sig.byte_range[0]) + int(sig.byte_range[1])
        end = int(sig.byte_range[2])
        raw = pdf[start:end]
        contents = bytes(sig.pkcs7_content)
        der_length = _der_length(contents)
    except (ValueError, IndexError, TypeError):
        return False
    if any(contents[der_length:]):
        return False
    hex_text = contents.hex().encode()
    return raw in (b"<" + hex_text + b">", b"<" + hex_text.upper() + b">")


def _unsigned_fields_canonical(sig: EmbeddedPdfSignature) -> bool:
    """The CMS fields outside the signed attributes must hold the one value they can hold.

    The only unsigned attribute allowed is one signature timestamp token, itself canonical
    (pyHanko checks its signature and that it stamps this signature value).
    """
    try:
        signed_data = sig.signed_data
        signer_info = sig.signer_info
        unsigned = signer_info["unsigned_attrs"]
        if not _signed_data_canonical(signed_data, content_type="data", detached=True):
            return False
        if not unsigned.native:
            return True
        if len(unsigned) != 1 or unsigned[0]["type"].native != "signature_time_stamp_token":
            return False
        tokens = unsigned[0]["values"]
        return len(tokens) == 1 and _token_canonical(tokens[0])
    except (ValueError, TypeError, KeyError, IndexError):
        return False


def _token_canonical(token: cms.ContentInfo) -> bool:
    if token["content_type"].native != "signed_data":
        return False
    signed_data = token["content"]
    if not _signed_data_canonical(signed_data, content_type="tst_info", detached=False):
        return False
    return not signed_data["signer_infos"][0]["unsigned_attrs"].native and _certs_canonical(
        signed_data
    )


def _signed_data_canonical(
    signed_data: cms.SignedData, *, content_type: str, detached: bool
) -> bool:
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        return False
    signer_info = signer_infos[0]
    sid_kind = signer_info["sid"].name
    expected_version = "v1" if sid_kind == "issuer_and_serial_number" else "v3"
    algorithms = [a.dump() for a in signed_data["digest_algorithms"]]
    content = signed_data["encap_content_info"]["content"]
    return (
        signed_data["version"].native in ("v1", "v3")
        and signer_info["version"].native == expected_version
        and algorithms == [signer_info["digest_algorithm"].dump()]
        and signed_data["encap_content_info"]["content_type"].native == content_type
        and (content.native is None) == detached
        and not signed_data["crls"].native
    )


def _certs_canonical(signed_data: cms.SignedData) -> bool:
    for choice in signed_data["certificates"]:
        if choice.name != "certificate":
            return False
        cert = choice.chosen
        if cert["signature_algorithm"].dump() != cert["tbs_certificate"]["signature"].dump():
            return False
        if cert["signature_value"].contents[:1] != b"\x00":
            return False
    return True


def _embedded_certs_consistent(
    sig: EmbeddedPdfSignature, roots: Sequence[x509.Certificate]
) -> bool:
    """Certificates inside the CMS object are not signed by the signer: check them too.

    Each must carry a valid signature from an issuer found among them or the trust roots, so
    that editing a byte of an embedded chain certificate does not pass unnoticed.
    """
    # The outer algorithm and the BIT STRING padding count lie outside what the issuer signs;
    # only their single canonical values are accepted.
    if not _certs_canonical(sig.signed_data):
        return False
    asn1_certs = [
        choice.chosen for choice in sig.signed_data["certificates"] if choice.name == "certificate"
    ]
    for attr in sig.signer_info["unsigned_attrs"]:  # the timestamp token's certificates
        for token in attr["values"]:
            asn1_certs += [c.chosen for c in token["content"]["certificates"]]
    embedded = [x509.load_der_x509_certificate(cert.dump()) for cert in asn1_certs]
    candidates = [*embedded, *roots]
    for cert in embedded:
        issuers = [c for c in candidates if c.subject == cert.issuer]
        if not any(_issued_by(cert, issuer) for issuer in issuers):
            return False
    return True


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _der_length(data: bytes) -> int:
    if len(data) < 2 or data[0] != 0x30:
        raise ValueError("not a DER sequence")
    first = data[1]
    if first < 0x80:
        return 2 + first
    size = first & 0x7F
    if size == 0 or size > 4:
        raise ValueError("unsupported DER length")
    return 2 + size + int.from_bytes(data[2 : 2 + size], "big")
