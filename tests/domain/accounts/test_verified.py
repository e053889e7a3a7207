"""Verified tokens are remembered until they expire, in bounded number."""

from __future__ import annotations

import pytest

from db.models import Role
from domain.accounts.principal import Principal
from domain.accounts.verified import VerifiedTokens

ALICE = Principal(user_id=1, email="a@bank.cn", role=Role.LOAN_OFFICER)
BOB = Principal(user_id=2, email="b@bank.cn", role=Role.APPLICANT, enterprise_id=7)


def test_a_token_is_known_until_it_expires() -> None:
    tokens = VerifiedTokens()
    tokens.put("t1", ALICE, expires=100.0)

    assert tokens.get("t1", now=99.9) == ALICE
    assert tokens.get("t2", now=50.0) is None
    assert tokens.get("t1", now=100.0) is None  # expired: forgotten
    assert len(tokens) == 0


def test_the_oldest_token_goes_when_full() -> None:
    tokens = VerifiedTokens(max_entries=2)
    tokens.put("t1", ALICE, expires=100.0)
    tokens.put("t2", BOB, expires=100.0)
    tokens.put("t1", ALICE, expires=200.0)  # known already: nothing evicted
    tokens.put("t3", BOB, expires=100.0)

    assert len(tokens) == 2
    assert tokens.get("t1", now=0.0) is None
    assert tokens.get("t2", now=0.0) == BOB
    assert tokens.get("t3", now=0.0) == BOB


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        VerifiedTokens(max_entries=0)
