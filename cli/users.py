"""`ipcredit user create`: staff and service accounts.

The password is never an argument (argument lists are visible to every user of the machine
and kept in shell histories): it is asked for twice at a terminal, or read as the first line
of standard input when that is not a terminal (`--password-stdin` insists on it).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable

from cli.common import Subparsers, note, run_with_db


class PasswordError(Exception):
    """No usable password was given."""


def read_password(*, from_stdin: bool) -> str:
    """The new account's password: from a terminal prompt (typed twice) or standard input."""
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise PasswordError("no password on standard input")
        return password
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise PasswordError("the two passwords differ")
    return password


def cmd_user_create(args: argparse.Namespace) -> int:
    """Create a staff (or service, or guarantor) account."""
    from db.models import Role
    from domain.accounts.service import create_staff_user
    from domain.errors import DomainError

    try:
        password = read_password(from_stdin=args.password_stdin)
    except PasswordError as exc:
        note(f"error: {exc}")
        return 1

    async def go() -> int:
        try:
            user = await create_staff_user(
                email=args.email,
                password=password,
                role=Role(args.role),
                institution=args.institution,
            )
        except DomainError as exc:
            note(f"error ({exc.code}): {exc.message}")
            return 1
        note(f"created {user.role} {user.email} (id {user.id})")
        return 0

    return run_with_db(go)


def cmd_user_reset_totp(args: argparse.Namespace) -> int:
    """Remove an account's second factor (after the bank checked who asks): it enrols again,
    and every session of it ends."""
    return _for_user(args.email, "second factor reset; the account enrols again", _reset_totp)


def cmd_user_end_sessions(args: argparse.Namespace) -> int:
    """End every session of an account (a lost device, a departure)."""
    return _for_user(args.email, "every session ended", _end_sessions)


async def _reset_totp(user_id: int) -> None:
    from domain.accounts.sessions import end_all_sessions
    from domain.accounts.totp import reset_totp

    await reset_totp(user_id=user_id, actor="cli")
    await end_all_sessions(user_id=user_id, reason="second factor reset", actor="cli")


async def _end_sessions(user_id: int) -> None:
    from domain.accounts.sessions import end_all_sessions

    await end_all_sessions(user_id=user_id, reason="ended from the command line", actor="cli")


def _for_user(email: str, done: str, action: Callable[[int], Awaitable[None]]) -> int:
    from db.models import User

    async def go() -> int:
        user = await User.get_or_none(email=email.strip().lower())
        if user is None:
            note(f"error: no account {email}")
            return 1
        await action(user.id)
        note(f"{user.email}: {done}")
        return 0

    return run_with_db(go)


def register(sub: Subparsers) -> None:
    """Add the `user` group."""
    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = user_sub.add_parser(
        "create",
        help="create a staff or service account (the password is asked for, or read from "
        "standard input)",
    )
    create.add_argument(
        "--role",
        required=True,
        choices=["LOAN_OFFICER", "RISK_MANAGER", "ADMIN", "SERVICE", "GUARANTOR"],
    )
    create.add_argument(
        "--institution",
        default=None,
        help="a GUARANTOR account's guarantor institution (its code); required for that role only",
    )
    create.add_argument("--email", required=True)
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    create.set_defaults(func=cmd_user_create)
    reset = user_sub.add_parser("reset-totp", help="remove an account's second factor")
    reset.add_argument("--email", required=True)
    reset.set_defaults(func=cmd_user_reset_totp)
    end = user_sub.add_parser("end-sessions", help="end every session of an account")
    end.add_argument("--email", required=True)
    end.set_defaults(func=cmd_user_end_sessions)
