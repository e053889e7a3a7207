"""Signed checkpoints anchor the audit chain: whoever can write to the database cannot re-sign.

A hash chain alone detects an edit, but not a rewrite that recomputes every later hash. A
checkpoint is the chain's head (its last entry's sequence number and hash) signed with the
bank's signing key, whose private half lives in the key store or a PKCS#11 token, never in the
database. Verification recomputes the chain and checks that each checkpoint's signature is the
bank's and that the entry it covers still has the signed hash, so a consistent rewrite of
anything a checkpoint covers is found and the checkpoint named.

Each checkpoint also signs the digest of the one before it, so removing a checkpoint from the
middle is found too. What no checkpoint covers yet (entries after the last one) is reported as
unanchored: checkpoints are taken at an interval and on demand to keep that tail short.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import AuditCheckpoint, AuditEntry
from domain.audit.chain import ChainReport, verify_chain
from domain.contracts.ca import issued_by
from domain.contracts.pki import LocalCA, SigningCredential, keystore_key
from domain.contracts.token import token_signer

FORMAT = "ipcredit-audit-checkpoint/1"
# PostgreSQL advisory lock key serialising checkpoints (one signer at a time links each
# checkpoint to the one before it)
_CHECKPOINT_LOCK = 4_242_002


@dataclass(frozen=True)
class Anchors:
    """Whom a checkpoint's certificate must be: the current bank certificate, or one issued
    by a trusted root or by a certificate of the bank's configured chain (a renewed key)."""

    bank_cert_pem: bytes
    issuers_pem: tuple[bytes, ...] = ()

    @classmethod
    def of(cls, ca: LocalCA) -> Anchors:
        """The anchors of the platform's PKI: its bank credential and trust roots."""
        return cls(ca.bank.cert_pem, (*ca.trust_roots, *ca.bank.chain_pem))


def key_id(cert: x509.Certificate) -> str:
    """A certificate's SHA-256 fingerprint, as a checkpoint names its signer."""
    return "sha256:" + cert.fingerprint(hashes.SHA256()).hex()


def canonical(document: dict[str, Any]) -> str:
    """The exact text a checkpoint signs: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sign_bytes(credential: SigningCredential, data: bytes) -> bytes:
    """A SHA-256 signature of `data` by the credential's key (in memory or in its token):
    DER ECDSA for an EC key, PKCS#1 v1.5 for RSA. Blocking: call it off the event loop."""
    if credential.token is not None:
        with token_signer(credential.token) as signer:
            return asyncio.run(signer.async_sign_raw(data, "sha256"))
    key = keystore_key(credential)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def signature_valid(cert: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """Whether `signature` over `data` verifies under the certificate's public key."""
    public = cert.public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _payload_digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


async def _lock(conn: BaseDBAsyncClient) -> None:
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_CHECKPOINT_LOCK])
    elif conn.capabilities.dialect == "sqlite":
        # take the write lock before reading (see chain.py: a read-then-write transaction
        # fails at once when another process wrote in between)
        await conn.execute_query("UPDATE audit_checkpoint SET seq = seq WHERE 0 = 1")


def _bank_credential() -> SigningCredential:
    from domain.contracts.platform import platform_ca

    return platform_ca().bank


async def create_checkpoint(
    *,
    credential: SigningCredential | None = None,
    interval: timedelta | None = None,
    now: datetime | None = None,
) -> AuditCheckpoint | None:
    """Sign the chain's current head with the bank's key and store the checkpoint.

    With `interval`, only when due: the chain grew since the last checkpoint and that one is at
    least `interval` old (any number of schedulers may ask; one signs). Without it, always
    (on demand). None when nothing was signed (an empty chain, or not due)."""
    credential = credential or _bank_credential()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cert = x509.load_pem_x509_certificate(credential.cert_pem)
    async with in_transaction() as conn:
        await _lock(conn)
        head = await AuditEntry.all().using_db(conn).order_by("-seq").first()
        if head is None:
            return None
        last = await AuditCheckpoint.all().using_db(conn).order_by("-id").first()
        if interval is not None and last is not None:
            if last.seq >= head.seq or moment - last.signed_at < interval:
                return None
        payload = canonical(
            {
                "format": FORMAT,
                "seq": head.seq,
                "head_hash": head.hash,
                "signed_at": moment.isoformat(timespec="microseconds"),
                "signer": credential.subject_name,
                "key_id": key_id(cert),
                "certificate": base64.b64encode(
                    cert.public_bytes(serialization.Encoding.DER)
                ).decode(),
                "previous": None if last is None else _payload_digest(last.payload),
            }
        )
        # a token signs in its own session: keep the loop free while it does
        signature = await asyncio.to_thread(sign_bytes, credential, payload.encode())
        return await AuditCheckpoint.create(
            seq=head.seq,
            head_hash=head.hash,
            payload=payload,
            signature=base64.b64encode(signature).decode(),
            key_id=key_id(cert),
            signed_at=moment,
            using_db=conn,
        )


@dataclass(frozen=True)
class CheckpointProblem:
    """One checkpoint that does not hold, and why."""

    checkpoint_id: int
    seq: int
    reason: str


@dataclass(frozen=True)
class CheckpointReport:
    """The checkpoints verified: how many, the last one's sequence number and time, the
    entries after it (not anchored yet), and every checkpoint that failed."""

    checkpoints: int
    last_seq: int | None
    last_signed_at: str | None
    unanchored: int
    problems: tuple[CheckpointProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every checkpoint holds."""
        return not self.problems


def _check_one(
    row: AuditCheckpoint, previous: str | None, heads: dict[int, str], anchors: Anchors
) -> str | None:
    """Why this checkpoint does not hold, or None when it does."""
    try:
        signed = json.loads(row.payload)
        cert = x509.load_der_x509_certificate(base64.b64decode(signed["certificate"]))
        signature = base64.b64decode(row.signature, validate=True)
    except (ValueError, KeyError, TypeError):
        return "unreadable payload, certificate or signature"
    if signed.get("format") != FORMAT or canonical(signed) != row.payload:
        return "payload is not a canonical checkpoint"
    if (signed.get("seq"), signed.get("head_hash"), signed.get("key_id")) != (
        row.seq,
        row.head_hash,
        row.key_id,
    ) or key_id(cert) != row.key_id:
        return "stored columns differ from the signed payload"
    if not _trusted(cert, anchors):
        return f"signed by {cert.subject.rfc4514_string()}, not the bank's key"
    if not signature_valid(cert, row.payload.encode(), signature):
        return "signature does not verify under the bank certificate"
    if signed.get("previous") != previous:
        return "the checkpoint before it was removed or changed"
    stored = heads.get(row.seq)
    if stored is None:
        return f"the entry it covers (seq {row.seq}) is missing"
    if stored != row.head_hash:
        return f"entry seq {row.seq} no longer has the signed hash: the chain was rewritten"
    return None


def _trusted(cert: x509.Certificate, anchors: Anchors) -> bool:
    bank = x509.load_pem_x509_certificate(anchors.bank_cert_pem)
    if cert == bank:
        return True
    return any(issued_by(cert, x509.load_pem_x509_certificate(p)) for p in anchors.issuers_pem)


async def verify_checkpoints(*, anchors: Anchors) -> CheckpointReport:
    """Check every checkpoint against the stored chain and the bank's certificates."""
    rows = await AuditCheckpoint.all().order_by("id")
    seqs = {row.seq for row in rows}
    heads: dict[int, str] = dict(
        await AuditEntry.filter(seq__in=list(seqs)).values_list("seq", "hash")  # type: ignore[arg-type]
    )
    problems: list[CheckpointProblem] = []
    previous: str | None = None
    for row in rows:
        reason = _check_one(row, previous, heads, anchors)
        if reason is not None:
            problems.append(CheckpointProblem(row.id, row.seq, reason))
        previous = _payload_digest(row.payload)
    last = rows[-1] if rows else None
    anchored = last.seq if last is not None else 0
    unanchored = await AuditEntry.filter(seq__gt=anchored).count()
    return CheckpointReport(
        checkpoints=len(rows),
        last_seq=None if last is None else last.seq,
        last_signed_at=None if last is None else last.signed_at.isoformat(),
        unanchored=unanchored,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class AuditReport:
    """The chain and its checkpoints, verified together."""

    chain: ChainReport
    checkpoints: CheckpointReport
    notes: Sequence[str] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether the chain is intact and every checkpoint holds."""
        return self.chain.ok and self.checkpoints.ok


async def verify_audit(*, anchors: Anchors | None = None) -> AuditReport:
    """Verify the hash chain and every signed checkpoint of it."""
    if anchors is None:
        from domain.contracts.platform import platform_ca

        anchors = Anchors.of(platform_ca())
    chain = await verify_chain()
    checkpoints = await verify_checkpoints(anchors=anchors)
    notes: list[str] = []
    if checkpoints.checkpoints == 0 and chain.entries:
        notes.append("no checkpoint yet: a consistent rewrite of the chain cannot be detected")
    return AuditReport(chain, checkpoints, tuple(notes))
