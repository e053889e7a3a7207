"""Signed checkpoints: a rewrite of the chain that recomputes every hash is still found."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from tortoise import Tortoise

from db.models import AuditCheckpoint, AuditEntry
from domain import audit
from domain.audit.chain import entry_hash
from domain.audit.checkpoints import Anchors, canonical, key_id, sign_bytes, signature_valid
from domain.contracts.ca import leaf_certificate
from domain.contracts.keyfiles import pem_cert, pem_key
from domain.contracts.pki import LocalCA, SigningCredential, ensure_ca


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return ensure_ca(tmp_path_factory.mktemp("pki"), passphrase=b"checkpoint-tests-passphrase")


async def _entries(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        await audit.record(actor="officer@bank.cn", action="approve", entity_type="application",
                           entity_id=i, data={"i": i})  # fmt: skip


async def _rewrite_consistently(from_seq: int, actor: str) -> None:
    """What a database administrator could do: change an entry, then recompute every later
    hash so that the chain verifies again (plain SQL UPDATEs)."""
    conn = Tortoise.get_connection("default")
    mark = "$" if conn.capabilities.dialect == "postgres" else "?"
    params = [f"{mark}{i}" if mark == "$" else "?" for i in (1, 2, 3, 4)]
    sql = (
        f"UPDATE audit_entry SET actor = {params[0]}, prev_hash = {params[1]}, "
        f"hash = {params[2]} WHERE seq = {params[3]}"
    )
    entries = await AuditEntry.all().order_by("seq")
    prev = entries[from_seq - 2].hash if from_seq > 1 else audit.chain.GENESIS
    for entry in entries[from_seq - 1 :]:
        who = actor if entry.seq == from_seq else entry.actor
        digest = entry_hash(prev, seq=entry.seq, at=entry.at, actor=who, action=entry.action,
                            entity_type=entry.entity_type, entity_id=entry.entity_id,
                            data=entry.data)  # fmt: skip
        await conn.execute_query(sql, [who, prev, digest, entry.seq])
        prev = digest


async def test_checkpoint_signs_the_head_and_verifies(db: str, ca: LocalCA) -> None:
    await _entries(3)
    row = await audit.create_checkpoint(credential=ca.bank)
    assert row is not None and row.seq == 3
    head = await AuditEntry.get(seq=3)
    assert row.head_hash == head.hash and row.key_id.startswith("sha256:")
    signed = json.loads(row.payload)
    assert signed["seq"] == 3 and signed["previous"] is None
    await _entries(2, start=3)
    report = await audit.verify_audit(anchors=Anchors.of(ca))
    assert report.ok and report.chain.entries == 5
    assert report.checkpoints.checkpoints == 1 and report.checkpoints.unanchored == 2


async def test_consistent_rewrite_is_found_and_names_the_checkpoint(db: str, ca: LocalCA) -> None:
    await _entries(4)
    first = await audit.create_checkpoint(credential=ca.bank)
    await _entries(2, start=4)
    second = await audit.create_checkpoint(credential=ca.bank)
    assert first is not None and second is not None
    await _rewrite_consistently(2, actor="nobody@bank.cn")
    chain_only = await audit.verify_chain()
    assert chain_only.ok  # the plain hash chain cannot tell
    report = await audit.verify_audit(anchors=Anchors.of(ca))
    assert not report.ok
    failed = {(p.checkpoint_id, p.seq) for p in report.checkpoints.problems}
    assert failed == {(first.id, 4), (second.id, 6)}
    assert all("rewritten" in p.reason for p in report.checkpoints.problems)


async def test_rewrite_after_the_last_checkpoint_is_reported_unanchored(
    db: str, ca: LocalCA
) -> None:
    await _entries(2)
    await audit.create_checkpoint(credential=ca.bank)
    await _entries(2, start=2)
    await _rewrite_consistently(3, actor="nobody@bank.cn")
    report = await audit.verify_audit(anchors=Anchors.of(ca))
    assert report.ok and report.checkpoints.unanchored == 2


def _self_signed(name: str) -> SigningCredential:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return SigningCredential(key_pem=pem_key(key), cert_pem=pem_cert(cert))


async def test_checkpoint_resigned_with_another_key_is_refused(db: str, ca: LocalCA) -> None:
    await _entries(3)
    await audit.create_checkpoint(credential=ca.bank)
    await _rewrite_consistently(1, actor="nobody@bank.cn")
    # the administrator also replaces the checkpoint, signed with a key of his own
    await AuditCheckpoint.all().delete()
    forged = await audit.create_checkpoint(credential=_self_signed(ca.bank.subject_name))
    report = await audit.verify_audit(anchors=Anchors.of(ca))
    assert forged is not None and not report.ok
    (problem,) = report.checkpoints.problems
    assert problem.checkpoint_id == forged.id and "not the bank's key" in problem.reason


async def test_renewed_bank_certificate_from_the_platform_ca_is_trusted(
    db: str, ca: LocalCA
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bank (renewed)")])
    cert = leaf_certificate(subject, key, ca.ca_key, ca.ca_cert, datetime.now(UTC),
                            crl_url="http://localhost/crl")  # fmt: skip
    renewed = SigningCredential(key_pem=pem_key(key), cert_pem=pem_cert(cert))
    await _entries(1)
    await audit.create_checkpoint(credential=renewed)
    assert (await audit.verify_audit(anchors=Anchors.of(ca))).ok


async def test_edited_or_removed_checkpoints_are_found(db: str, ca: LocalCA) -> None:
    rows = []
    for i in range(3):
        await _entries(1, start=i)
        rows.append(await audit.create_checkpoint(credential=ca.bank))
    first, middle, last = (r for r in rows if r is not None)
    await AuditCheckpoint.filter(id=middle.id).delete()
    signed = json.loads(first.payload)
    signed["signer"] = "Another Bank"
    await AuditCheckpoint.filter(id=first.id).update(payload=canonical(signed))
    report = await audit.verify_audit(anchors=Anchors.of(ca))
    reasons = {p.checkpoint_id: p.reason for p in report.checkpoints.problems}
    assert "signature does not verify" in reasons[first.id]
    assert "removed or changed" in reasons[last.id]


async def test_truncated_chain_is_found(db: str, ca: LocalCA) -> None:
    await _entries(3)
    row = await audit.create_checkpoint(credential=ca.bank)
    await AuditEntry.filter(seq=3).delete()
    report = await audit.verify_audit(anchors=Anchors.of(ca))
    assert report.chain.ok and not report.ok and row is not None
    assert "missing" in report.checkpoints.problems[0].reason


async def test_periodic_checkpoint_only_when_due(db: str, ca: LocalCA) -> None:
    every = timedelta(minutes=10)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert await audit.create_checkpoint(credential=ca.bank, interval=every, now=t0) is None
    await _entries(2)
    assert await audit.create_checkpoint(credential=ca.bank, interval=every, now=t0) is not None
    later = t0 + timedelta(minutes=30)
    assert await audit.create_checkpoint(credential=ca.bank, interval=every, now=later) is None
    await _entries(1, start=2)
    soon = t0 + timedelta(minutes=5)
    assert await audit.create_checkpoint(credential=ca.bank, interval=every, now=soon) is None
    row = await audit.create_checkpoint(credential=ca.bank, interval=every, now=later)
    assert row is not None and row.seq == 3
    assert await AuditCheckpoint.all().count() == 2


def test_rsa_signatures_verify(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RSA Bank")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    credential = SigningCredential(key_pem=pem_key(key), cert_pem=pem_cert(cert))
    signature = sign_bytes(credential, b"head")
    assert signature_valid(cert, b"head", signature)
    assert not signature_valid(cert, b"other", signature)
    assert key_id(cert) == "sha256:" + cert.fingerprint(hashes.SHA256()).hex()
    assert base64.b64encode(cert.public_bytes(serialization.Encoding.DER))
