"""The audit log's hash chain detects changed, removed and reordered entries."""

from __future__ import annotations

from db.models import AuditEntry
from domain import audit


async def _three() -> list[AuditEntry]:
    return [
        await audit.record(
            actor="a@b.cn", action=f"act{i}", entity_type="x", entity_id=i, data={"i": i}
        )
        for i in range(3)
    ]


async def test_intact_chain_verifies(db: str) -> None:
    entries = await _three()
    report = await audit.verify_chain()
    assert report.ok and report.entries == 3
    assert entries[1].prev_hash == entries[0].hash


async def test_changed_entry_is_found(db: str) -> None:
    entries = await _three()
    await AuditEntry.filter(id=entries[1].id).update(data={"i": 99})
    report = await audit.verify_chain()
    assert not report.ok and report.broken_at_seq == 2 and "changed" in report.reason


async def test_removed_entry_is_found(db: str) -> None:
    entries = await _three()
    await AuditEntry.filter(id=entries[1].id).delete()
    report = await audit.verify_chain()
    assert not report.ok and report.broken_at_seq == 3


async def test_reordered_entries_are_found(db: str) -> None:
    entries = await _three()
    await AuditEntry.filter(id=entries[0].id).update(seq=100)
    await AuditEntry.filter(id=entries[1].id).update(seq=1)
    await AuditEntry.filter(id=entries[0].id).update(seq=2)
    report = await audit.verify_chain()
    assert not report.ok and report.broken_at_seq == 1
