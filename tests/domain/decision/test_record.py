"""The decision record on an application: whether it is decided, and the score it used."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import LoanApplication
from domain.decision import decision_risk_score_id, is_decided


@pytest.mark.parametrize(
    ("decision", "score_id", "decided"),
    [
        (None, None, False),
        ({}, None, False),
        ({"inputs": None, "decided_at": None}, None, False),
        ({"inputs": {"risk_score_id": "7"}, "decided_at": ""}, None, False),
        ({"inputs": {"risk_score_id": 7}}, 7, False),
        ({"inputs": {"risk_score_id": 7}, "decided_at": "2025-01-01T00:00:00+00:00"}, 7, True),
        ({"inputs": {}, "decided_at": "2025-01-01T00:00:00+00:00"}, None, True),
    ],
)
def test_decision_record(db: str, decision: Any, score_id: int | None, decided: bool) -> None:
    application = LoanApplication(decision=decision)
    assert decision_risk_score_id(application) == score_id
    assert is_decided(application) is decided
