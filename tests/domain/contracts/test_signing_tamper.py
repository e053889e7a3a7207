"""Tampering with signed contracts: every change to a signed byte or revision is caught."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from domain.contracts import LocalCA, sign_as_bank, sign_pdf, verify
from domain.errors import InvalidState
from tests.domain.contracts.helpers import BANK
from tests.domain.contracts.signing_helpers import (
    change_page,
    flip_byte,
    pdf_gaps,
    retitle,
)

# pyHanko logs a traceback for every untrusted or broken signature these tests make
pytestmark = pytest.mark.usefixtures("quiet_pyhanko")


def _positions(pdf: bytes) -> dict[str, int]:
    (b_start, b_end), (l_start, l_end) = pdf_gaps(pdf)
    page_text = pdf.index(b"stream", 200) + 40
    return {
        "header": 3,
        "page content": page_text,
        "first revision trailer": pdf.index(b"startxref") + 12,
        "borrower revision": b_end + 40,
        "borrower signature value": b_start + 600,
        "borrower signature padding": b_end - 20,
        "borrower container delimiter": b_start,
        "bank signature certificates": l_start + 1200,
        "bank signature padding": l_end - 200,
        "bank revision dictionary": l_start - 30,
        "final trailer": len(pdf) - 8,
    }


@pytest.mark.parametrize(
    "where",
    [
        "header",
        "page content",
        "first revision trailer",
        "borrower revision",
        "borrower signature value",
        "borrower signature padding",
        "borrower container delimiter",
        "bank signature certificates",
        "bank signature padding",
        "bank revision dictionary",
        "final trailer",
    ],
)
def test_any_flipped_byte_breaks_intactness(fully_signed: bytes, ca: LocalCA, where: str) -> None:
    position = _positions(fully_signed)[where]
    if "padding" in where:
        assert fully_signed[position : position + 1] == b"0"
    tampered = flip_byte(fully_signed, position)
    result = verify(tampered, ca=ca)
    assert not result.intact
    assert result.detail


def test_flips_spread_over_the_whole_file_are_all_caught(fully_signed: bytes, ca: LocalCA) -> None:
    step = len(fully_signed) // 40
    missed = [
        position
        for position in range(1, len(fully_signed), step)
        if verify(flip_byte(fully_signed, position), ca=ca).intact
    ]
    assert missed == []


def test_hex_case_change_inside_a_signature_is_caught(fully_signed: bytes, ca: LocalCA) -> None:
    # The last signature's container is the one part of the file no signature covers.
    start, _ = pdf_gaps(fully_signed)[-1]
    hex_area = fully_signed[start + 1 : start + 400]
    offset = next(i for i, c in enumerate(hex_area) if chr(c) in "abcdefABCDEF")
    data = bytearray(fully_signed)
    data[start + 1 + offset] ^= 0x20  # 'a' <-> 'A': the same byte once decoded
    assert not verify(bytes(data), ca=ca).intact


def test_edit_of_the_ca_copy_inside_the_last_signature_is_caught(
    fully_signed: bytes, ca: LocalCA
) -> None:
    # Chain certificates travel in the CMS object but outside what the signer signs.
    start, end = pdf_gaps(fully_signed)[-1]
    container = fully_signed[start:end].decode().lower()
    der_hex = x509.load_pem_x509_certificate(ca.ca_cert_pem).public_bytes(Encoding.DER).hex()
    offset = container.index(der_hex)
    tampered = flip_byte(fully_signed, start + offset + len(der_hex) // 2)
    assert not verify(tampered, ca=ca).intact


def test_garbage_appended_after_the_last_signature(fully_signed: bytes, ca: LocalCA) -> None:
    result = verify(fully_signed + b"\n% appended\n", ca=ca)
    assert not result.intact
    assert not result.signatures[-1].covers_whole_document
    assert "modified after" in result.detail


@pytest.mark.parametrize("edit", [change_page, lambda pdf: retitle(pdf, "forged")])
def test_incremental_update_after_signatures(fully_signed: bytes, ca: LocalCA, edit) -> None:  # type: ignore[no-untyped-def]
    edited = edit(fully_signed)
    assert edited.startswith(fully_signed)
    result = verify(edited, ca=ca)
    assert not result.intact
    # Both signatures still verify cryptographically over what they cover...
    assert all(s.valid for s in result.signatures)
    # ...but none of them covers the edit.
    assert not any(s.covers_whole_document for s in result.signatures)


def test_edit_between_borrower_and_bank_breaks_the_borrower_signature(
    borrower_signed: bytes, ca: LocalCA
) -> None:
    edited = change_page(borrower_signed)
    # The service refuses to countersign; a raw signature on top still leaves it broken.
    with pytest.raises(InvalidState):
        sign_as_bank(edited, ca=ca)
    countersigned = sign_pdf(
        edited,
        key_pem=ca.bank.key_pem,
        cert_pem=ca.bank.cert_pem,
        chain=ca.bank.chain_pem,
        field_name="LenderSignature",
        signer_name=BANK,
        reason="test",
        location="test",
    )
    result = verify(countersigned, ca=ca)
    assert not result.intact
    borrower, bank = result.signatures
    assert borrower.valid
    assert not borrower.intact
    assert bank.valid
    assert bank.intact
    assert "signature 1" in result.detail
