"""`ipcredit user role` on a file database: the change is made and audited."""

from __future__ import annotations

import pytest

from cli.common import run_with_db
from db.models import AuditEntry, Role, User
from tests.cli.helpers import run


def _seed() -> None:
    async def go() -> None:
        for email, role in (("officer@bank.example", Role.LOAN_OFFICER),
                            ("admin@bank.example", Role.ADMIN)):  # fmt: skip
            await User.create(email=email, password_hash="x", role=role)

    run_with_db(go)


def _state() -> tuple[str, list[tuple[str, str]]]:
    async def go() -> tuple[str, list[tuple[str, str]]]:
        user = await User.get(email="officer@bank.example")
        entries = await AuditEntry.filter(action="user.role_change").values_list("actor", "data")
        return user.role.value, [(a, d["to"]) for a, d in entries]

    return run_with_db(go)


def test_user_role_changes_and_audits(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _seed()
    argv = ["user", "role", "--email", "officer@bank.example", "--role", "RISK_MANAGER"]
    assert run([*argv, "--reason", "risk desk"]) == 0
    assert "is now RISK_MANAGER" in capsys.readouterr().err
    role, entries = _state()
    assert role == "RISK_MANAGER"
    ((actor, to),) = entries
    assert actor.startswith("cli:") and to == "RISK_MANAGER"
    # the same again is refused with the reason, and changes nothing
    assert run(argv) == 1
    assert "already has the role" in capsys.readouterr().err
    assert len(_state()[1]) == 1


def test_user_role_refuses_an_unknown_role() -> None:
    with pytest.raises(SystemExit):
        run(["user", "role", "--email", "a@b.example", "--role", "APPLICANT"])
