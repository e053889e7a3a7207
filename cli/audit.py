"""`ipcredit audit verify|checkpoint`: the audit log's hash chain and its signed checkpoints."""

from __future__ import annotations

import argparse
import dataclasses
import json

from cli.common import Subparsers, note, run_with_db


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Verify the hash chain and every checkpoint; exit 1 and say what does not hold."""
    from domain.audit import verify_audit

    async def go() -> int:
        report = await verify_audit()
        chain, marks = report.chain, report.checkpoints
        if args.json:
            print(
                json.dumps(
                    {
                        "ok": report.ok,
                        "chain": dataclasses.asdict(chain),
                        "checkpoints": {
                            **dataclasses.asdict(marks),
                            "ok": marks.ok,
                        },
                        "notes": list(report.notes),
                    }
                )
            )
        if chain.ok:
            note(f"audit chain intact: {chain.entries} entries")
        else:
            note(f"audit chain BROKEN at seq {chain.broken_at_seq}: {chain.reason}")
        for problem in marks.problems:
            note(f"checkpoint {problem.checkpoint_id} (seq {problem.seq}) FAILS: {problem.reason}")
        if marks.checkpoints:
            note(
                f"{marks.checkpoints} signed checkpoints, the last at seq {marks.last_seq} "
                f"({marks.last_signed_at}); {marks.unanchored} entries after it"
            )
        for line in report.notes:
            note(line)
        return 0 if report.ok else 1

    return run_with_db(go)


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    """Sign the chain's head now with the bank's key; print the checkpoint."""
    from domain.audit import create_checkpoint

    async def go() -> int:
        row = await create_checkpoint()
        if row is None:
            note("the audit chain is empty: nothing to sign")
            return 0
        print(
            json.dumps(
                {
                    "id": row.id,
                    "seq": row.seq,
                    "head_hash": row.head_hash,
                    "key_id": row.key_id,
                    "signed_at": row.signed_at.isoformat(),
                }
            )
        )
        note(f"checkpoint {row.id} signed: seq {row.seq}, head {row.head_hash[:16]}…")
        return 0

    return run_with_db(go)


def register(sub: Subparsers) -> None:
    """Add the `audit` group."""
    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser(
        "verify", help="verify the hash chain and its signed checkpoints; says what fails"
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_audit_verify)
    checkpoint = audit_sub.add_parser(
        "checkpoint", help="sign the chain's head now with the bank's signing key"
    )
    checkpoint.set_defaults(func=cmd_audit_checkpoint)
