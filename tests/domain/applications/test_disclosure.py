"""What an applicant reads of who acted on its application and why (pure parts)."""

from __future__ import annotations

import pytest

from domain.applications import disclosure


@pytest.mark.parametrize(
    ("stored", "staff", "shown"),
    [
        ("model:policy=v1,scorecard=sc1", False, "model:policy=v1,scorecard=sc1"),
        ("user:officer@bank.example", False, "bank"),
        ("user:officer@bank.example,user:risk@bank.example", False, "bank"),
        ("user:officer@bank.example", True, "user:officer@bank.example"),
    ],
)
def test_decided_by(stored: str, staff: bool, shown: str) -> None:
    assert disclosure.decided_by(stored, staff_viewer=staff) == shown


def test_reviewer_words_are_replaced_for_applicants_only() -> None:
    stored = [
        {"code": "MANUAL_REJECTED", "description": "owner evasive on the phone", "weight": 1.0},
        {"code": "SC_R_AND_D", "description": "R&D intensity above peers", "weight": 0.2},
    ]
    mine = disclosure.reasons(stored, staff_viewer=False)
    assert [r["description"] for r in mine] == [
        disclosure.PUBLIC_REASONS["MANUAL_REJECTED"], "R&D intensity above peers",
    ]  # fmt: skip
    assert disclosure.reasons(stored, staff_viewer=True) == stored
