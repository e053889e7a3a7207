"""The append-only, hash-chained audit log, anchored by checkpoints the bank's key signs."""

from domain.audit.chain import entry_hash, record, verify_chain
from domain.audit.checkpoints import (
    Anchors,
    AuditReport,
    CheckpointReport,
    create_checkpoint,
    verify_audit,
    verify_checkpoints,
)

__all__ = [
    "Anchors",
    "AuditReport",
    "CheckpointReport",
    "create_checkpoint",
    "entry_hash",
    "record",
    "verify_audit",
    "verify_chain",
    "verify_checkpoints",
]
