"""The periodic checkpoint signs with the bank key of the data directory, once per interval."""

from __future__ import annotations

from pathlib import Path

from actors.audit import do_checkpoint_audit_chain
from db.models import AuditCheckpoint
from domain import audit


async def test_periodic_actor_signs_once_when_the_chain_grew(db: str, data_dir: Path) -> None:
    await do_checkpoint_audit_chain(600)
    assert await AuditCheckpoint.all().count() == 0  # nothing to sign yet
    await audit.record(actor="a@b.cn", action="act", entity_type="x", entity_id=1)
    await do_checkpoint_audit_chain(600)
    await do_checkpoint_audit_chain(600)
    assert await AuditCheckpoint.all().count() == 1
    assert (await audit.verify_audit()).ok
