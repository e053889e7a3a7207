"""The platform's RFC 3161 time-stamping authority: answer a TimeStampReq with a signed token.

The same responder serves `POST /tsa` and stamps signatures in-process (`LocalTimeStamper`), so
that the platform needs no network round trip to itself. Its certificate is issued by the
platform CA with the critical time-stamping extended key usage only.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps import TimeStamper

from domain.contracts.keyfiles import PrivateKey

# a policy identifier of our own, in the UUID arc (ITU-T X.667) that needs no registration
POLICY_OID = f"2.25.{uuid.UUID('6f1c2a0e-3b5d-4e8a-9c1f-2d7e5a4b3c21').int}"
CONTENT_TYPE_QUERY = "application/timestamp-query"
CONTENT_TYPE_REPLY = "application/timestamp-reply"
MAX_QUERY_BYTES = 16 * 1024
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


class TimeStampAuthority:
    """Signs time-stamp tokens with the TSA key and certificate (and names its chain)."""

    def __init__(
        self, key: PrivateKey, cert: x509.Certificate, chain: tuple[x509.Certificate, ...]
    ):
        self._key = key
        self._cert = _asn1(cert)
        self._chain = tuple(_asn1(c) for c in chain)

    @property
    def certificate(self) -> asn1_x509.Certificate:
        """The TSA certificate."""
        return self._cert

    def respond(self, request_der: bytes, now: datetime | None = None) -> bytes:
        """A DER TimeStampResp for a DER TimeStampReq: granted, or rejected with the reason."""
        try:
            req = tsp.TimeStampReq.load(request_der)
            imprint = req["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = bytes(imprint["hashed_message"].native)
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format", "the request is not a DER TimeStampReq")
        if _DIGEST_SIZES.get(algorithm) != len(digest):
            return _rejection("bad_alg", "message imprint must be SHA-256, SHA-384 or SHA-512")
        if req["req_policy"].native not in (None, POLICY_OID):
            return _rejection("unaccepted_policy", "unknown TSA policy requested")
        token = self.token(req, now or datetime.now(UTC))
        status = tsp.PKIStatusInfo({"status": tsp.PKIStatus("granted")})
        return tsp.TimeStampResp({"status": status, "time_stamp_token": token}).dump()

    def token(self, req: tsp.TimeStampReq, now: datetime) -> cms.ContentInfo:
        """The signed token (CMS SignedData over a TSTInfo) answering `req` at `now`."""
        info: dict[str, object] = {
            "version": "v1",
            "policy": POLICY_OID,
            "message_imprint": req["message_imprint"],
            "serial_number": secrets.randbits(63),
            "gen_time": core.GeneralizedTime(now.astimezone(UTC)),
            "accuracy": {"seconds": 1},
            "ordering": False,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._cert.subject),
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"]
        tst_der = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("message_digest", hashlib.sha256(tst_der).digest()),
                # SHA-512, not SHA-256: SHA-256 is the field's default, so DER leaves it out,
                # and asn1crypto rebuilds an omitted default as a *changed* value when the
                # token is read back; every enclosing structure then re-encodes it on each
                # access, which made an occasional signature take 10 to 50 s instead of 30 ms
                simple_cms_attribute(
                    "signing_certificate_v2", as_signing_certificate_v2(self._cert, "sha512")
                ),
            ]
        )
        signature, mechanism = self._sign(signed_attrs.dump())
        digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value=cms.IssuerAndSerialNumber(
                        {"issuer": self._cert.issuer, "serial_number": self._cert.serial_number}
                    ),
                ),
                "digest_algorithm": digest_algorithm,
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": mechanism}),
                "signature": signature,
            }
        )
        certificates = [self._cert, *self._chain] if req["cert_req"].native else []
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [digest_algorithm],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": cms.ParsableOctetString(tst_der),
                },
                "certificates": certificates or None,
                "signer_infos": [signer_info],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})

    def _sign(self, data: bytes) -> tuple[bytes, str]:
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"
        raise TypeError("unsupported TSA key")


class LocalTimeStamper(TimeStamper):
    """pyHanko's time-stamper interface answered in-process by the platform TSA."""

    def __init__(self, authority: TimeStampAuthority):
        super().__init__(include_nonce=True)
        self._authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Answer `req` directly, without a network round trip."""
        return tsp.TimeStampResp.load(self._authority.respond(req.dump()))


def _rejection(reason: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo(
        {
            "status": tsp.PKIStatus("rejection"),
            "status_string": [text],
            "fail_info": tsp.PKIFailureInfo({reason}),
        }
    )
    # asn1crypto's TimeStampResp makes the token mandatory; RFC 3161 omits it on rejection
    return core.Sequence(contents=status.dump()).dump()


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
