"""`ipcredit user create`: staff and service accounts."""

from __future__ import annotations

import argparse

from cli.common import Subparsers, note, run_with_db


def cmd_user_create(args: argparse.Namespace) -> int:
    """Create a staff (or service) account."""
    from db.models import Role
    from domain.accounts.service import create_staff_user
    from domain.errors import DomainError

    async def go() -> int:
        try:
            user = await create_staff_user(
                email=args.email, password=args.password, role=Role(args.role)
            )
        except DomainError as exc:
            note(f"error ({exc.code}): {exc.message}")
            return 1
        note(f"created {user.role} {user.email} (id {user.id})")
        return 0

    return run_with_db(go)


def register(sub: Subparsers) -> None:
    """Add the `user` group."""
    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = user_sub.add_parser("create", help="create a staff or service account")
    create.add_argument(
        "--role", required=True, choices=["LOAN_OFFICER", "RISK_MANAGER", "ADMIN", "SERVICE"]
    )
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.set_defaults(func=cmd_user_create)
