"""Trusted time and long-term validation: every signature is timestamped by the platform TSA
and carries the certificates and CRLs to validate it (PAdES B-LT); an independent validator
(poppler's pdfsig, on NSS) agrees."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from domain.contracts import (
    EventSigner,
    LocalCA,
    LocalCASigner,
    SignerRole,
    issue_event_credential,
    verify,
)
from domain.contracts.crl import revoke

pytestmark = pytest.mark.usefixtures("quiet_pyhanko")


def test_every_signature_is_b_lt_with_its_time_and_certificates(
    fully_signed: bytes, ca: LocalCA
) -> None:
    result = verify(fully_signed, ca=ca)
    assert result.accepted
    assert result.level == "B-LT"
    now = datetime.now(UTC)
    for check in result.signatures:
        assert check.level == "B-LT"
        assert check.timestamp is not None and check.timestamp <= now
        roles = {(c.role, c.status) for c in check.certificates}
        assert roles == {("SIGNER", "GOOD"), ("TSA", "GOOD"), ("CA", "GOOD")}
        assert all(c.revocation_checked for c in check.certificates if c.role != "CA")
    borrower = result.signatures[0].certificates
    (event,) = [c for c in borrower if c.role == "SIGNER"]
    assert (event.valid_until - event.valid_from).total_seconds() <= 15 * 60


def test_validation_data_is_inside_the_document(fully_signed: bytes, ca: LocalCA) -> None:
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(fully_signed)))
    subjects = {c.subject.native.get("common_name") for c in dss.load_certs()}
    assert {"ipcredit Platform CA", "ipcredit Time-Stamping Authority"} <= subjects
    assert len(dss.crls) >= 1


def test_signature_under_a_revoked_certificate_is_not_trusted(
    unsigned_pdf: bytes, ca: LocalCA, enterprise: EventSigner
) -> None:
    credential = issue_event_credential(ca, enterprise)
    serial = x509.load_pem_x509_certificate(credential.cert_pem).serial_number
    revoke(ca.directory, ca.ca_key, ca.ca_cert, serial, datetime.now(UTC))
    signed = LocalCASigner(ca).sign(unsigned_pdf, role=SignerRole.BORROWER, credential=credential)
    result = verify(signed, ca=ca)
    (check,) = result.signatures
    assert check.valid and check.intact
    assert not check.trusted
    assert not result.accepted
    assert "revoked" in result.detail
    assert ("SIGNER", "REVOKED") in {(c.role, c.status) for c in check.certificates}


def _nss_db(directory: Path, ca: LocalCA) -> str:
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.ca_cert_pem)
    db = f"sql:{directory}"
    subprocess.run(["certutil", "-N", "-d", db, "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", db, "-n", "ipcredit-platform-ca", "-t", "CT,C,C", "-i", ca_file],
        check=True,
    )
    return db


@pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils (pdfsig) and libnss3-tools (certutil) are not installed; "
    ".ci/run installs them",
)
def test_pdfsig_reports_every_signature_valid_and_trusted(
    fully_signed: bytes, ca: LocalCA, tmp_path: Path
) -> None:
    """pdfsig verifies each signature with NSS, trusting the platform CA as a root."""
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(fully_signed)
    db = _nss_db(tmp_path, ca)
    done = subprocess.run(
        ["pdfsig", "-nssdir", db, str(pdf)], capture_output=True, text=True, timeout=60
    )
    report = done.stdout
    assert done.returncode == 0, done.stderr
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert report.count("Certificate Validation: Certificate is Trusted.") == 2, report
    assert "Signature Field Name: BorrowerSignature" in report
    assert "Signature Field Name: LenderSignature" in report
    assert "Total document signed" in report  # the bank's signature covers the final file
