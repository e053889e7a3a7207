"""Registration against the registry's public record, the password policy, and tokens."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from db.models import AuditEntry, Enterprise, Role, User, VerificationStatus
from domain.accounts import service
from domain.accounts.principal import Principal
from domain.accounts.tokens import InvalidToken, decode_token, issue_token
from domain.errors import ErrorCode, InvalidInput
from domain.providers.directory import DirectoryProvider
from domain.world.importer import import_world_rows
from tests.domain.accounts.kyb import SETTLEMENT
from tests.factories import A, B, C, tiny_world, write_world

PASSWORD = "correct horse battery"
SECRET = "s" * 48
ISS, AUD = "ipcredit", "ipcredit-api"


@pytest.fixture
def provider(tmp_path: Path) -> DirectoryProvider:
    world = tiny_world()
    world["enterprises"][0].update(SETTLEMENT)
    write_world(world, tmp_path / "world")
    return DirectoryProvider(tmp_path / "world")


def _notices(data_dir: Path) -> list[dict[str, object]]:
    path = data_dir / "notifications.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_register_keeps_only_the_public_record_and_starts_unverified(
    db: str, data_dir: Path, provider: DirectoryProvider
) -> None:
    result = await service.register(
        email="CFO@quantum.cn", password=PASSWORD, uscc=A,
        enterprise_name="合肥量子科技有限公司", provider=provider,
    )  # fmt: skip

    ent = await Enterprise.get(uscc=A)
    assert ent.registered is True
    assert ent.settlement_account == SETTLEMENT["settlement_account"]
    assert ent.legal_rep_contact == SETTLEMENT["legal_rep_contact"]
    assert result.user.email == "cfo@quantum.cn"
    assert result.user.enterprise_id == ent.id
    assert result.user.verification == VerificationStatus.UNVERIFIED
    assert result.refresh_token and result.token
    assert await Enterprise.all().count() == 1  # no counterparties
    assert await ent.patents.all().count() == 0  # no source data before consent
    assert await AuditEntry.filter(action="register").count() == 1
    principal = service.principal_of(result.user)
    assert principal.enterprise_id is None  # acts for nothing yet
    assert principal.own_enterprise_id == ent.id


async def test_an_unknown_code_and_a_wrong_name_answer_alike(
    db: str, data_dir: Path, provider: DirectoryProvider
) -> None:
    answers = []
    for uscc, name in ((A, "别的公司"), ("91110000600037341L", "合肥量子科技有限公司")):
        with pytest.raises(InvalidInput) as exc:
            await service.register(
                email="a@b.cn", password=PASSWORD, uscc=uscc, enterprise_name=name,
                provider=provider,
            )  # fmt: skip
        answers.append((exc.value.code, exc.value.field, exc.value.message))

    assert answers[0] == answers[1]
    assert await User.all().count() == 0
    assert await Enterprise.all().count() == 0


async def test_a_bad_check_character_is_bad_input(
    db: str, data_dir: Path, provider: DirectoryProvider
) -> None:
    with pytest.raises(InvalidInput) as exc:
        await service.register(
            email="a@b.cn", password=PASSWORD, uscc="91340100MA0000001Z", enterprise_name="x",
            provider=provider,
        )  # fmt: skip
    assert exc.value.field == "uscc"


async def test_a_taken_email_gets_the_generic_refusal_and_its_owner_is_told(
    db: str, data_dir: Path, provider: DirectoryProvider
) -> None:
    await service.register(
        email="a@b.cn", password=PASSWORD, uscc=B, enterprise_name="芜湖智能装备有限公司",
        provider=provider,
    )  # fmt: skip
    with pytest.raises(InvalidInput) as exc:
        await service.register(
            email="A@b.cn", password=PASSWORD, uscc=A, enterprise_name="合肥量子科技有限公司",
            provider=provider,
        )  # fmt: skip

    assert exc.value.code == ErrorCode.INVALID_INPUT
    assert exc.value.message == service.REFUSED
    assert exc.value.field is None
    assert "already" not in exc.value.message
    assert await User.all().count() == 1
    told = [n for n in _notices(data_dir) if n["kind"] == "account_exists"]
    assert told == [{"kind": "account_exists", "uscc": A, "to": "a***@b.cn", "at": told[0]["at"]}]
    assert await AuditEntry.filter(action="register_refused").count() == 1


async def test_anyone_may_register_for_an_enterprise_someone_registered(
    db: str, data_dir: Path, provider: DirectoryProvider
) -> None:
    first = await service.register(
        email="a@b.cn", password=PASSWORD, uscc=B, enterprise_name="芜湖智能装备有限公司",
        provider=provider,
    )  # fmt: skip
    second = await service.register(
        email="other@b.cn", password=PASSWORD, uscc=B, enterprise_name="芜湖智能装备有限公司",
        provider=provider,
    )  # fmt: skip

    assert first.user.enterprise_id == second.user.enterprise_id
    assert second.user.verification == VerificationStatus.UNVERIFIED


async def test_an_inactive_enterprise_is_refused(db: str, data_dir: Path) -> None:
    world = tiny_world()
    world["enterprises"][2]["status"] = "cancelled"
    await import_world_rows(world)
    with pytest.raises(InvalidInput, match="not active"):
        await service.register(
            email="a@b.cn", password=PASSWORD, uscc=C, enterprise_name="蚌埠新材料有限公司",
            provider=None,
        )  # fmt: skip


async def test_weak_password_and_bad_email_are_refused(db: str) -> None:
    await import_world_rows(tiny_world())
    for weak, why in (
        ("short", "12 characters"),
        ("elevenchars", "12 characters"),
        ("Password1234", "too common"),
        ("qwertyuiop123!", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("zhangwei-strong-pass", "email's name"),
    ):
        with pytest.raises(InvalidInput, match=why):
            await service.register(
                email="zhangwei@b.cn", password=weak, uscc=C, enterprise_name="x", provider=None
            )
    with pytest.raises(InvalidInput, match="email"):
        await service.register(
            email="nope", password=PASSWORD, uscc=C, enterprise_name="x", provider=None
        )


async def test_staff_accounts_are_verified(db: str, data_dir: Path) -> None:
    user = await service.create_staff_user(
        email="officer@bank.cn", password=PASSWORD, role=Role.LOAN_OFFICER
    )
    assert user.verification == VerificationStatus.VERIFIED


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
        "iss": ISS, "aud": AUD, "sid": "s1",
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
    if kind == "no_session":
        return jwt.encode(_claims(sid=None), SECRET, algorithm="HS256")
    if kind == "unknown_scope":
        return jwt.encode(_claims(scp="admin"), SECRET, algorithm="HS256")
    if kind == "garbage":
        return "not.a.token"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    ["alg_none", "wrong_key", "expired", "wrong_audience", "wrong_issuer", "no_exp",
     "tampered_role", "unknown_role", "hs512", "no_session", "unknown_scope", "garbage"],
)  # fmt: skip
def test_forged_tokens_are_refused(kind: str) -> None:
    with pytest.raises(InvalidToken):
        decode_token(_forge(kind), secret=SECRET, issuer=ISS, audience=AUD)
