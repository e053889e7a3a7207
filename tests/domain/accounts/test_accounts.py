"""Registration against the data provider, login with lockout, and token verification."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from db.models import AuditEntry, Enterprise, Role, User
from domain.accounts import service
from domain.accounts.principal import Principal
from domain.accounts.tokens import InvalidToken, decode_token, issue_token
from domain.errors import Duplicate, ErrorCode, InvalidInput, LimitExceeded, NotFound
from domain.providers.directory import DirectoryProvider
from domain.world.importer import import_world_rows
from tests.factories import A, B, C, tiny_world, write_world

PASSWORD = "correct horse battery"
SECRET = "s" * 48
ISS, AUD = "ipcredit", "ipcredit-api"


@pytest.fixture
def provider(tmp_path: Path) -> DirectoryProvider:
    write_world(tiny_world(), tmp_path / "world")
    return DirectoryProvider(tmp_path / "world")


async def test_register_pulls_the_enterprise_from_the_provider(
    db: str, data_dir: Path, provider: DirectoryProvider
) -> None:
    result = await service.register(
        email="CFO@quantum.cn", password=PASSWORD, uscc=A,
        enterprise_name="合肥量子科技有限公司", provider=provider,
    )  # fmt: skip

    ent = await Enterprise.get(uscc=A)
    assert ent.registered is True
    assert result.user.email == "cfo@quantum.cn"
    assert result.user.enterprise_id == ent.id
    assert "BEGIN CERTIFICATE" in (result.user.certificate_pem or "")
    assert await ent.patents.all().count() == 2  # its outside data came with it
    assert await AuditEntry.filter(action="register").count() == 1


@pytest.mark.parametrize(
    ("uscc", "name", "error", "code"),
    [
        ("91340100MA0000001Z", "x", InvalidInput, ErrorCode.INVALID_INPUT),  # bad check char
        (A, "别的公司", InvalidInput, ErrorCode.INVALID_INPUT),
        ("91110000600037341L", "unknown", NotFound, ErrorCode.NOT_FOUND),
    ],
)
async def test_register_refuses_bad_enterprises(
    db: str, data_dir: Path, provider: DirectoryProvider, uscc: str, name: str,
    error: type[Exception], code: ErrorCode,
) -> None:  # fmt: skip
    with pytest.raises(error) as exc:
        await service.register(
            email="a@b.cn", password=PASSWORD, uscc=uscc, enterprise_name=name, provider=provider
        )
    assert exc.value.code == code  # type: ignore[attr-defined]
    assert await User.all().count() == 0


async def test_register_twice_is_a_duplicate(
    db: str, data_dir: Path, provider: DirectoryProvider
) -> None:
    await service.register(
        email="a@b.cn", password=PASSWORD, uscc=B, enterprise_name="芜湖智能装备有限公司",
        provider=provider,
    )  # fmt: skip
    with pytest.raises(Duplicate):
        await service.register(
            email="a@b.cn", password=PASSWORD, uscc=A, enterprise_name="合肥量子科技有限公司",
            provider=provider,
        )  # fmt: skip
    with pytest.raises(Duplicate):
        await service.register(
            email="other@b.cn", password=PASSWORD, uscc=B, enterprise_name="芜湖智能装备有限公司",
            provider=provider,
        )  # fmt: skip
    assert await User.all().count() == 1


async def test_weak_password_and_bad_email_are_refused(db: str) -> None:
    await import_world_rows(tiny_world())
    with pytest.raises(InvalidInput, match="10 characters"):
        await service.register(
            email="a@b.cn", password="short", uscc=C, enterprise_name="x", provider=None
        )
    with pytest.raises(InvalidInput, match="email"):
        await service.register(
            email="nope", password=PASSWORD, uscc=C, enterprise_name="x", provider=None
        )


async def test_login_and_lockout(db: str, data_dir: Path) -> None:
    await service.create_staff_user(
        email="officer@bank.cn", password=PASSWORD, role=Role.LOAN_OFFICER
    )

    ok = await service.login(email="officer@bank.cn", password=PASSWORD)
    assert ok.user.role == Role.LOAN_OFFICER
    for _ in range(service.MAX_FAILED_LOGINS - 1):
        with pytest.raises(InvalidInput):
            await service.login(email="officer@bank.cn", password="wrong password!")
    with pytest.raises(LimitExceeded):
        await service.login(email="officer@bank.cn", password="wrong password!")
    with pytest.raises(LimitExceeded):  # even the right password, while locked
        await service.login(email="officer@bank.cn", password=PASSWORD)


def _principal() -> Principal:
    return Principal(user_id=7, email="a@b.cn", role=Role.APPLICANT, enterprise_id=3)


def test_token_round_trip() -> None:
    token = issue_token(_principal(), secret=SECRET, issuer=ISS, audience=AUD, ttl_seconds=60)
    claims = decode_token(token, secret=SECRET, issuer=ISS, audience=AUD)
    assert claims["sub"] == "7"
    assert claims["role"] == "APPLICANT"


def _b64(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def _claims(**over: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "sub": "7", "role": "APPLICANT", "ent": 3, "iat": now, "exp": now + timedelta(minutes=5),
        "iss": ISS, "aud": AUD,
    }  # fmt: skip
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def _forge(kind: str) -> str:
    good = issue_token(_principal(), secret=SECRET, issuer=ISS, audience=AUD, ttl_seconds=60)
    now = int(datetime.now(UTC).timestamp())
    if kind == "alg_none":
        payload = {"sub": "7", "role": "ADMIN", "iat": now, "exp": now + 60, "iss": ISS, "aud": AUD}
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."
    if kind == "wrong_key":
        return jwt.encode(_claims(), "another-secret-" * 4, algorithm="HS256")
    if kind == "expired":
        past = datetime.now(UTC) - timedelta(hours=2)
        return jwt.encode(
            _claims(iat=past, exp=past + timedelta(minutes=5)), SECRET, algorithm="HS256"
        )
    if kind == "wrong_audience":
        return jwt.encode(_claims(aud="someone-else"), SECRET, algorithm="HS256")
    if kind == "wrong_issuer":
        return jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256")
    if kind == "no_exp":
        return jwt.encode(_claims(exp=None), SECRET, algorithm="HS256")
    if kind == "tampered_role":
        header, payload, sig = good.split(".")
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        body["role"] = "ADMIN"
        return f"{header}.{_b64(body)}.{sig}"
    if kind == "unknown_role":
        return jwt.encode(_claims(role="GOD"), SECRET, algorithm="HS256")
    if kind == "hs512":
        return jwt.encode(_claims(), SECRET, algorithm="HS512")
    if kind == "garbage":
        return "not.a.token"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    ["alg_none", "wrong_key", "expired", "wrong_audience", "wrong_issuer", "no_exp",
     "tampered_role", "unknown_role", "hs512", "garbage"],
)  # fmt: skip
def test_forged_tokens_are_refused(kind: str) -> None:
    with pytest.raises(InvalidToken):
        decode_token(_forge(kind), secret=SECRET, issuer=ISS, audience=AUD)
