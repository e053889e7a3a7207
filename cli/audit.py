"""`ipcredit audit verify`: the audit log's hash chain."""

from __future__ import annotations

import argparse
import json

from cli.common import Subparsers, note, run_with_db


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Verify the audit hash chain; exit 1 and say where it breaks."""
    from domain.audit import verify_chain

    async def go() -> int:
        report = await verify_chain()
        if args.json:
            print(json.dumps(report.__dict__))
        if report.ok:
            note(f"audit chain intact: {report.entries} entries")
            return 0
        note(f"audit chain BROKEN at seq {report.broken_at_seq}: {report.reason}")
        return 1

    return run_with_db(go)


def register(sub: Subparsers) -> None:
    """Add the `audit` group."""
    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="verify the hash chain; says where it breaks")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_audit_verify)
