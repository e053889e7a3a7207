"""The platform's time-stamping authority and revocation list: what they answer, and that a
validator can check it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.timestamps import TimeStamper

from domain.contracts import EventSigner, LocalCA, issue_event_credential
from domain.contracts.crl import current_crl, revoke
from domain.contracts.tsa import POLICY_OID

DIGEST = hashlib.sha256(b"a contract signature").digest()


def _request(digest: bytes = DIGEST, algorithm: str = "sha256") -> tuple[int, tsp.TimeStampReq]:
    nonce, req = TimeStamper().request_cms(digest, algorithm)
    return int(nonce), req


def _token_parts(reply: bytes) -> tuple[tsp.TimeStampResp, cms.SignedData, tsp.TSTInfo]:
    resp = tsp.TimeStampResp.load(reply)
    signed_data = resp["time_stamp_token"]["content"]
    info = signed_data["encap_content_info"]["content"].parsed
    return resp, signed_data, info


def test_grants_a_token_over_the_imprint_with_the_nonce(ca: LocalCA) -> None:
    nonce, req = _request()
    before = datetime.now(UTC)
    resp, signed_data, info = _token_parts(ca.tsa.respond(req.dump()))
    assert resp["status"]["status"].native == "granted"
    assert bytes(info["message_imprint"]["hashed_message"].native) == DIGEST
    assert info["nonce"].native == nonce
    assert info["policy"].dotted == POLICY_OID
    assert before - timedelta(seconds=1) <= info["gen_time"].native <= datetime.now(UTC)
    # the token is signed by the TSA certificate over its signed attributes
    signer_info = signed_data["signer_infos"][0]
    tsa_cert = x509.load_der_x509_certificate(ca.tsa.certificate.dump())
    attrs = {a["type"].native: a["values"][0].native for a in signer_info["signed_attrs"]}
    assert attrs["message_digest"] == hashlib.sha256(info.dump()).digest()
    public = tsa_cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(
        signer_info["signature"].native,
        signer_info["signed_attrs"].untag().dump(),
        ec.ECDSA(hashes.SHA256()),
    )


def test_a_token_read_back_in_full_is_unchanged_and_not_re_encoded(ca: LocalCA) -> None:
    """The ESS certificate id names its hash: with SHA-256, the field's default, DER omits
    it and asn1crypto rebuilds the omitted default as a changed value once read, so every
    structure around it re-encoded itself on each access (an occasional signature took tens
    of seconds). Read in full, the token must come back clean and byte for byte."""
    _, req = _request()
    reply = ca.tsa.respond(req.dump())
    resp, signed_data, _ = _token_parts(reply)
    token = resp["time_stamp_token"]
    assert token.native  # every field read, defaults included
    signed_attrs = signed_data["signer_infos"][0]["signed_attrs"]
    ess = {a["type"].native: a["values"][0] for a in signed_attrs}["signing_certificate_v2"]
    assert ess["certs"][0]["hash_algorithm"]["algorithm"].native == "sha512"
    assert not token["content"]._is_mutated()  # asn1crypto's own test of "needs re-encoding"
    assert resp.dump() == reply


def test_tsa_certificate_is_for_time_stamping_only(ca: LocalCA) -> None:
    cert = x509.load_der_x509_certificate(ca.tsa.certificate.dump())
    cert.verify_directly_issued_by(ca.ca_cert)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical
    assert list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert not cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment


@pytest.mark.parametrize(
    ("request_der", "reason"),
    [
        (b"not a request", "bad_data_format"),
        (_request(DIGEST[:20])[1].dump(), "bad_alg"),
        (_request(hashlib.md5(b"x").digest(), "md5")[1].dump(), "bad_alg"),  # noqa: S324
    ],
)
def test_bad_requests_are_rejected_with_a_reason(
    ca: LocalCA, request_der: bytes, reason: str
) -> None:
    reply = core.Sequence.load(ca.tsa.respond(request_der))
    assert len(reply) == 1  # a status and no token
    status = tsp.PKIStatusInfo.load(reply[0].dump())
    assert status["status"].native == "rejection"
    assert reason in status["fail_info"].native


def test_crl_is_signed_by_the_ca_fresh_and_reused(ca: LocalCA) -> None:
    data = ca.crl()
    crl = x509.load_der_x509_crl(data)
    assert crl.is_signature_valid(ca.ca_cert.public_key())  # type: ignore[arg-type]
    assert crl.issuer == ca.ca_cert.subject
    assert crl.next_update_utc is not None and crl.next_update_utc > datetime.now(UTC)
    assert ca.crl() == data  # a fresh CRL is served as it is, not re-signed per request
    later = datetime.now(UTC) + timedelta(hours=2)
    assert current_crl(ca.directory, ca.ca_key, ca.ca_cert, later) != data


def test_revoked_event_certificate_shows_in_the_crl(ca: LocalCA, enterprise: EventSigner) -> None:
    credential = issue_event_credential(ca, enterprise)
    serial = x509.load_pem_x509_certificate(credential.cert_pem).serial_number
    crl = x509.load_der_x509_crl(
        revoke(ca.directory, ca.ca_key, ca.ca_cert, serial, datetime.now(UTC))
    )
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert x509.load_der_x509_crl(ca.crl()).get_revoked_certificate_by_serial_number(serial)
