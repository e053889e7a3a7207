"""`ipcredit models activate` (maker-checker) and `ipcredit decision replay`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.cli.helpers import run


def _with_db(url: str, work: Callable[[], Awaitable[Any]]) -> Any:
    from db.connection import close_db, init_db

    async def main() -> Any:
        await init_db(url)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(main())


async def _people() -> None:
    from db.models import Role
    from tests.schema.helpers import make_user

    await make_user("maker@bank.cn", Role.RISK_MANAGER)
    await make_user("checker@bank.cn", Role.RISK_MANAGER)


def test_request_then_approve_by_another_person(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_db(cli_db, _people)
    base = ["models", "activate", "--kind", "POLICY", "--name", "decision", "--version", "v1"]
    assert run([*base, "--request", "--as", "maker@bank.cn", "--reason", "rollback"]) == 0
    request = json.loads(capsys.readouterr().out)
    assert request["status"] == "PENDING" and request["requested_by"] == "maker@bank.cn"

    assert (
        run(["models", "activate", "--approve", str(request["id"]), "--as", "maker@bank.cn"]) == 2
    )
    assert "own request" in capsys.readouterr().err
    assert (
        run(["models", "activate", "--approve", str(request["id"]), "--as", "checker@bank.cn"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["status"] == "APPROVED"

    async def policy() -> str:
        from domain.models_governance import active_policy_version

        return await active_policy_version()

    assert _with_db(cli_db, policy) == "v1"
    assert run(["models", "requests", "--status", "APPROVED", "--as", "checker@bank.cn"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


def test_decision_replay_exit_code_says_whether_it_differs(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def decided() -> int:
        from domain.decision import assess_application
        from tests.domain.lending_fixtures import (
            fixed_gather,
            inputs,
            make_lending_world,
            submitted,
        )

        world = await make_lending_world()
        application = await submitted(world)
        await assess_application(application_id=application.id, gather=fixed_gather(inputs()))
        return application.id

    app_id = _with_db(cli_db, decided)
    assert run(["decision", "replay", str(app_id)]) == 0
    assert json.loads(capsys.readouterr().out)["same"] is True

    async def tamper() -> None:
        from db.models import LoanApplication

        stored = await LoanApplication.get(id=app_id)
        stored.decision = {**stored.decision, "outcome": "REJECTED"}
        await stored.save(update_fields=["decision"])

    _with_db(cli_db, tamper)
    assert run(["decision", "replay", str(app_id)]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["differences"][0]["field"] == "outcome"
    assert "outcome: stored 'REJECTED', replayed 'APPROVED'" in out.err
    assert run(["decision", "replay", "99999"]) == 2
