"""Sessions: rotation, reuse, revocation, and how soon a revoked session stops."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config import settings
from db.models import RefreshToken, RevokedSession, Role, User
from domain.accounts import service, sessions
from domain.accounts.principal import Principal
from domain.accounts.standing import fresh_principal, session_cache
from domain.accounts.tokens import decode_token, session_of
from domain.errors import Forbidden, InvalidInput

PASSWORD = "correct horse battery"


async def _admin() -> User:
    return await service.create_staff_user(
        email="admin@bank.cn", password=PASSWORD, role=Role.ADMIN
    )


def _principal(result: sessions.AuthResult) -> Principal:
    s = settings()
    claims = decode_token(
        result.token, secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience
    )
    return Principal(
        user_id=result.user.id, email=result.user.email, role=Role(result.user.role),
        session=session_of(claims),
    )  # fmt: skip


async def test_racing_refreshes_with_one_token_win_once_and_end_the_session(
    db: str, data_dir: Path
) -> None:
    started = await sessions.start_session(await _admin())
    assert started.refresh_token is not None

    results = await asyncio.gather(
        *(sessions.refresh_session(token=started.refresh_token) for _ in range(4)),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, sessions.AuthResult)]
    assert len(winners) <= 1
    assert all(isinstance(r, Forbidden | sessions.AuthResult) for r in results)
    assert await RevokedSession.all().count() == 1
    for winner in winners:
        assert await fresh_principal(_principal(winner), max_age=0) is None


async def test_an_expired_or_unknown_refresh_token_is_refused(db: str, data_dir: Path) -> None:
    started = await sessions.start_session(await _admin())
    await RefreshToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    for token in (started.refresh_token or "", "made-up", ""):
        with pytest.raises(InvalidInput):
            await sessions.refresh_session(token=token)


async def test_only_digests_of_refresh_tokens_are_stored(db: str, data_dir: Path) -> None:
    started = await sessions.start_session(await _admin())

    stored = await RefreshToken.all().values_list("token_hash", flat=True)
    assert started.refresh_token not in stored and len(stored) == 1


async def test_logout_ends_the_session_for_everyone_at_once(db: str, data_dir: Path) -> None:
    principal = _principal(await sessions.start_session(await _admin()))
    assert await fresh_principal(principal) is principal

    await sessions.logout(principal=principal)

    assert await fresh_principal(principal) is None


async def test_a_session_ended_elsewhere_stops_within_a_second(db: str, data_dir: Path) -> None:
    principal = _principal(await sessions.start_session(await _admin()))
    session_cache.clear()
    assert await fresh_principal(principal) is principal
    assert principal.session is not None
    # another process revokes: this one's memory is not told
    await RevokedSession.create(
        family=principal.session.session_id, user_id=principal.user_id,
        revoked_at=datetime.now(UTC), reason="logout",
    )  # fmt: skip

    assert await fresh_principal(principal, max_age=0) is None
    await asyncio.sleep(0.2)
    assert await fresh_principal(principal, max_age=0.1) is None


async def test_a_role_change_ends_old_tokens(db: str, data_dir: Path) -> None:
    principal = _principal(await sessions.start_session(await _admin()))
    await User.filter(id=principal.user_id).update(role=Role.SERVICE)

    assert await fresh_principal(principal, max_age=0) is None


async def test_an_expired_access_token_does_not_stand(db: str, data_dir: Path) -> None:
    principal = _principal(await sessions.start_session(await _admin()))
    assert principal.session is not None
    expired = principal.session.__class__(
        session_id=principal.session.session_id,
        issued_at=principal.session.issued_at,
        expires_at=time.time() - 1,
    )

    assert await fresh_principal(Principal(**{**principal.__dict__, "session": expired})) is None


async def test_old_sessions_are_pruned(db: str, data_dir: Path) -> None:
    user = await _admin()
    await sessions.start_session(user)
    await RefreshToken.all().update(expires_at=datetime.now(UTC) - timedelta(days=40))

    assert await sessions.prune_sessions() == 1
