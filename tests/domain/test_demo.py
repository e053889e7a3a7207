"""Demo safety: never in production, never over real data, no published staff password unless
the database is the demo's own, and production refuses to start with demo accounts present."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.models import Enterprise, Role, User
from domain import demo
from domain.accounts.passwords import verify_password
from domain.errors import ErrorCode
from tests.domain.lending.repayment_fixtures import make_loan_world
from tests.factories import uscc


@pytest.fixture
def world_dir(tmp_path: Path) -> Path:
    """A generated demo world of two enterprises (only its USCCs matter here)."""
    d = tmp_path / "world"
    d.mkdir()
    rows = [{"uscc": uscc(1), "name": "a"}, {"uscc": uscc(2), "name": "b"}]
    (d / "enterprises.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return d


async def test_the_demo_refuses_production_mode(db: str, tmp_path: Path) -> None:
    with pytest.raises(demo.DemoRefused, match="production"):
        await demo.load_demo(data_dir=tmp_path, enterprises=5, seed=1, production=True)
    assert not (tmp_path / "world").exists()  # refused before generating anything


async def test_an_empty_database_or_the_demo_world_is_allowed(db: str, world_dir: Path) -> None:
    await demo.check_demo_allowed(production=False, world_dir=world_dir)
    await Enterprise.create(uscc=uscc(1), name="a")
    await demo._create_staff(own_database=False)

    await demo.check_demo_allowed(production=False, world_dir=world_dir)


async def test_an_enterprise_not_from_the_demo_world_is_real_data(db: str, world_dir: Path) -> None:
    await Enterprise.create(uscc=uscc(77), name="真实企业有限公司")
    with pytest.raises(demo.DemoRefused, match="1 enterprise") as err:
        await demo.check_demo_allowed(production=False, world_dir=world_dir)
    assert err.value.code is ErrorCode.INVALID_STATE


async def test_a_user_that_is_not_a_demo_account_is_real_data(db: str, world_dir: Path) -> None:
    await User.create(email="officer@bank.example", password_hash="x", role=Role.LOAN_OFFICER)
    with pytest.raises(demo.DemoRefused, match="not demo accounts"):
        await demo.check_demo_allowed(production=False, world_dir=world_dir)


async def test_a_loan_is_real_data(db: str, world_dir: Path) -> None:
    await make_loan_world()
    with pytest.raises(demo.DemoRefused, match="loan") as err:
        await demo.check_demo_allowed(production=False, world_dir=world_dir)
    assert "point DATABASE_URL elsewhere" in err.value.message


async def test_demo_staff_get_random_passwords_outside_the_demos_own_database(db: str) -> None:
    passwords = await demo._create_staff(own_database=False)

    assert sorted(passwords) == sorted(demo.DEMO_EMAILS)
    assert demo.DEMO_PASSWORD not in passwords.values()
    assert len(set(passwords.values())) == len(passwords)
    for user in await User.all():
        assert not verify_password(user.password_hash, demo.DEMO_PASSWORD)
        assert verify_password(user.password_hash, passwords[user.email])
    assert await demo._create_staff(own_database=False) == {}  # shown once only


async def test_the_demos_own_database_keeps_the_published_password(db: str) -> None:
    passwords = await demo._create_staff(own_database=True)
    assert set(passwords.values()) == {demo.DEMO_PASSWORD}


async def test_production_refuses_to_start_with_demo_accounts(db: str) -> None:
    await demo.refuse_demo_accounts()  # none yet
    await demo._create_staff(own_database=False)

    with pytest.raises(demo.DemoRefused, match="refuses to start") as err:
        await demo.refuse_demo_accounts()
    assert "admin@ipcredit.local" in err.value.message
