"""Login under attack: parallel guesses, lockouts of others, limits, hashing off the loop,
and the second factor of staff who move money."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters

from db.models import AuditEntry, LoginAttempt, Role, User
from domain.accounts import login as login_module
from domain.accounts import passwords, service
from domain.accounts.login import ADDRESS_LIMIT, OTP_NEEDED, PAIR_LIMIT, WRONG_LOGIN, login
from domain.errors import ErrorCode, InvalidInput, LimitExceeded
from tests.domain.accounts.otp import enrol, fresh_code

PASSWORD = "correct horse battery"
WRONG = "wrong password!!"


@pytest.fixture(autouse=True)
def no_delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(login_module.asyncio, "sleep", record)
    return slept


async def _staff(email: str, role: Role = Role.ADMIN) -> User:
    return await service.create_staff_user(email=email, password=PASSWORD, role=role)


async def _outcomes(email: str, client: str, tries: int) -> list[BaseException | object]:
    return await asyncio.gather(
        *(login(email=email, password=WRONG, client=client) for _ in range(tries)),
        return_exceptions=True,
    )


async def test_parallel_guesses_each_count(db: str, data_dir: Path) -> None:
    user = await _staff("admin@bank.cn")

    results = await _outcomes("admin@bank.cn", "10.0.0.9", 3 * PAIR_LIMIT)
    results += await _outcomes("admin@bank.cn", "10.0.0.9", 3 * PAIR_LIMIT)
    for _ in range(PAIR_LIMIT):
        results += await _outcomes("admin@bank.cn", "10.0.0.9", 1)

    judged = [r for r in results if isinstance(r, InvalidInput)]
    assert len(judged) == PAIR_LIMIT  # never more guesses checked, however they arrive
    assert all(isinstance(r, InvalidInput | LimitExceeded) for r in results)
    assert (await User.get(id=user.id)).failed_logins == PAIR_LIMIT
    with pytest.raises(LimitExceeded) as refused:
        await login(email="admin@bank.cn", password=PASSWORD, client="10.0.0.9")
    assert "this address" in refused.value.message
    assert refused.value.code == ErrorCode.LIMIT_EXCEEDED


async def test_nobody_can_lock_a_colleague_out(
    db: str, data_dir: Path, no_delays: list[float]
) -> None:
    await _staff("admin@bank.cn")
    for attacker in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        for _ in range(PAIR_LIMIT + 2):
            with pytest.raises((InvalidInput, LimitExceeded)):
                await login(email="admin@bank.cn", password=WRONG, client=attacker)

    result = await login(email="admin@bank.cn", password=PASSWORD, client="192.168.1.5")

    assert result.user.email == "admin@bank.cn" and result.refresh_token
    assert no_delays and max(no_delays) <= login_module.MAX_DELAY_SECONDS  # slowed only


async def test_one_address_failing_on_many_accounts_is_limited(db: str, data_dir: Path) -> None:
    await _staff("admin@bank.cn")
    for i in range(ADDRESS_LIMIT):
        with pytest.raises(InvalidInput):
            await login(email=f"guess{i}@bank.cn", password=WRONG, client="10.9.9.9")

    with pytest.raises(LimitExceeded) as refused:
        await login(email="admin@bank.cn", password=PASSWORD, client="10.9.9.9")
    assert "from this address" in refused.value.message
    assert (await login(email="admin@bank.cn", password=PASSWORD, client="10.1.1.1")).token


async def test_an_unknown_email_fails_and_is_limited_like_a_real_one(
    db: str, data_dir: Path
) -> None:
    await _staff("real@bank.cn")
    answers: dict[str, list[tuple[str, str]]] = {}
    for email in ("real@bank.cn", "ghost@bank.cn"):
        for _ in range(PAIR_LIMIT + 1):
            with pytest.raises((InvalidInput, LimitExceeded)) as exc:
                await login(email=email, password=WRONG, client="10.0.0.7")
            error = exc.value
            assert isinstance(error, InvalidInput | LimitExceeded)
            answers.setdefault(email, []).append((error.code, error.message))

    assert answers["real@bank.cn"] == answers["ghost@bank.cn"]
    assert answers["ghost@bank.cn"][0] == (ErrorCode.INVALID_INPUT, WRONG_LOGIN)
    assert answers["ghost@bank.cn"][-1][0] == ErrorCode.LIMIT_EXCEEDED
    assert await AuditEntry.filter(action="login_limited").count() == 1


async def test_refused_attempts_do_not_grow_the_table(db: str, data_dir: Path) -> None:
    await _outcomes("ghost@bank.cn", "10.0.0.8", PAIR_LIMIT)
    rows = await LoginAttempt.all().count()

    await _outcomes("ghost@bank.cn", "10.0.0.8", 20)

    assert await LoginAttempt.all().count() == rows


async def test_passwords_are_checked_off_the_event_loop(
    db: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _staff("admin@bank.cn")
    threads: list[str] = []
    nice: list[int] = []
    verify = passwords.verify_password

    def recording(password_hash: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", recording)

    await login(email="admin@bank.cn", password=PASSWORD, client="10.0.0.1")
    with pytest.raises(InvalidInput):
        await login(email="nobody@bank.cn", password=PASSWORD, client="10.0.0.1")

    assert len(threads) == 2
    assert threading.main_thread().name not in threads
    # below the event loop's priority: the loop's work for other requests goes first
    loop_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert nice == [min(loop_nice + passwords.HASH_NICE, 19)] * 2


async def test_an_old_hash_is_replaced_at_login(db: str, data_dir: Path) -> None:
    user = await _staff("admin@bank.cn")
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    await User.filter(id=user.id).update(password_hash=old)

    await login(email="admin@bank.cn", password=PASSWORD, client="10.0.0.1")

    assert not passwords.needs_rehash((await User.get(id=user.id)).password_hash)


async def test_money_staff_without_a_second_factor_get_an_enrolment_token_only(
    db: str, data_dir: Path
) -> None:
    await _staff("officer@bank.cn", Role.LOAN_OFFICER)

    result = await login(email="officer@bank.cn", password=PASSWORD, client="10.0.0.1")

    assert result.enrolment_only and result.refresh_token is None
    for _ in range(PAIR_LIMIT + 1):  # right passwords are no failures, whatever follows
        await login(email="officer@bank.cn", password=PASSWORD, client="10.0.0.1")


@pytest.mark.parametrize("role", [Role.LOAN_OFFICER, Role.RISK_MANAGER])
async def test_money_staff_log_in_with_a_code(db: str, data_dir: Path, role: Role) -> None:
    user = await _staff("officer@bank.cn", role)
    app = await enrol(user)

    with pytest.raises(InvalidInput) as missing:
        await login(email="officer@bank.cn", password=PASSWORD, client="10.0.0.1")
    assert missing.value.message == OTP_NEEDED and missing.value.field == "otp"
    with pytest.raises(InvalidInput):
        await login(email="officer@bank.cn", password=PASSWORD, otp="000000", client="10.0.0.1")
    code = await fresh_code(user.id, app)
    result = await login(email="officer@bank.cn", password=PASSWORD, otp=code, client="10.0.0.1")
    assert not result.enrolment_only and result.refresh_token
    with pytest.raises(InvalidInput):  # the same code again
        await login(email="officer@bank.cn", password=PASSWORD, otp=code, client="10.0.0.1")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SERVICE])
async def test_other_staff_need_no_code(db: str, data_dir: Path, role: Role) -> None:
    await _staff("someone@bank.cn", role)

    result = await login(email="someone@bank.cn", password=PASSWORD, client="10.0.0.1")

    assert not result.enrolment_only and result.refresh_token


def test_new_hashes_use_one_of_owasps_equal_strength_argon2id_settings() -> None:
    """OWASP's password storage guidance lists five argon2id settings of equal defence; a new
    hash uses one of them, never less memory for its passes."""
    used = extract_parameters(passwords.hash_password(PASSWORD))
    owasp = {(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)}
    assert used.type.name == "ID" and used.parallelism == 1
    assert (used.memory_cost, used.time_cost) in owasp
    assert passwords.needs_rehash(PasswordHasher(time_cost=2, memory_cost=19456).hash(PASSWORD))
