"""`ipcredit user role`: give a staff or service account another role, audited."""

from __future__ import annotations

import argparse
import getpass

from cli.common import Subparsers, note, run_with_db

ROLE_CHOICES = ["LOAN_OFFICER", "RISK_MANAGER", "ADMIN", "SERVICE"]


def cmd_user_role(args: argparse.Namespace) -> int:
    """Change an account's role; the audit log names the operator and the reason."""
    from db.models import Role
    from domain.accounts.principal import Principal
    from domain.accounts.roles import change_role
    from domain.errors import DomainError

    # whoever runs the command line holds the database: it acts as an administrator
    operator = Principal(user_id=0, email=f"cli:{getpass.getuser()}", role=Role.ADMIN)

    async def go() -> int:
        try:
            user = await change_role(
                principal=operator, email=args.email, role=Role(args.role), reason=args.reason
            )
        except DomainError as exc:
            note(f"error ({exc.code}): {exc.message}")
            return 1
        note(f"{user.email} is now {user.role.value}; its sessions have ended")
        return 0

    return run_with_db(go)


def _user_actions(sub: Subparsers) -> Subparsers:
    """The `user` group's actions (the group is registered by cli/users.py)."""
    user = sub.choices["user"]
    for action in user._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the `user` command has no actions to add to")


def register(sub: Subparsers) -> None:
    """Add `user role` to the `user` group."""
    role = _user_actions(sub).add_parser("role", help="change a staff or service account's role")
    role.add_argument("--email", required=True)
    role.add_argument("--role", required=True, choices=ROLE_CHOICES)
    role.add_argument("--reason", default="", help="why, kept in the audit log")
    role.set_defaults(func=cmd_user_role)
