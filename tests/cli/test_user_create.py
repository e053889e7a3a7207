"""`ipcredit user create` takes the password from a prompt or standard input, never argv;
`user reset-totp` and `user end-sessions` act on one account."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from cli.common import run_with_db
from db.models import AuditEntry, User
from domain.accounts.passwords import verify_password
from tests.cli.helpers import parse, run

PASSWORD = "correct horse battery"
CREATE = ["user", "create", "--role", "ADMIN", "--email", "admin@bank.example"]


def _user() -> User | None:
    async def go() -> User | None:
        return await User.get_or_none(email="admin@bank.example")

    return run_with_db(go)


def test_the_password_is_not_an_argument() -> None:
    with pytest.raises(SystemExit):
        parse([*CREATE, "--password", PASSWORD])


def test_the_password_is_read_from_standard_input(
    cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))

    assert run([*CREATE, "--password-stdin"]) == 0

    user = _user()
    assert user is not None and verify_password(user.password_hash, PASSWORD)


def test_at_a_terminal_the_password_is_asked_twice(
    cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([PASSWORD, "something else entirely"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    assert run(CREATE) == 1
    assert _user() is None


def test_a_weak_password_is_refused(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("password1234\n"))

    assert run([*CREATE, "--password-stdin"]) == 1
    assert "too common" in capsys.readouterr().err


def test_reset_totp_and_end_sessions(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert run([*CREATE, "--password-stdin"]) == 0

    async def enrolled() -> None:
        await User.filter(email="admin@bank.example").update(
            totp_secret="gcm1:x", totp_confirmed_at=datetime.now(UTC)
        )

    run_with_db(enrolled)

    assert run(["user", "reset-totp", "--email", "admin@bank.example"]) == 0
    assert run(["user", "end-sessions", "--email", "nobody@bank.example"]) == 1

    async def state() -> tuple[User, list[str]]:
        actions = await AuditEntry.all().values_list("action", flat=True)
        return await User.get(email="admin@bank.example"), [str(a) for a in actions]

    user, actions = run_with_db(state)
    assert user.totp_confirmed_at is None and user.sessions_valid_after is not None
    assert "totp_reset" in actions and "sessions_ended" in actions
