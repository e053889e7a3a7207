"""The append-only, hash-chained audit log."""

from domain.audit.chain import entry_hash, record, verify_chain

__all__ = ["entry_hash", "record", "verify_chain"]
