"""`ipcredit loans close-day` and `loans classify` on a file database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.cli.helpers import run


def test_classify_an_empty_portfolio(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["loans", "classify", "--as-of", "2025-06-30", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"as_of": "2025-06-30", "loans": 0, "classification": {}, "changed": 0,
                       "events": 0}  # fmt: skip


def test_close_day_on_an_empty_book(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["loans", "close-day", "--date", "2026-03-31", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["business_date"] == "2026-03-31"
    assert summary["loan_days"] == 0


def test_development_may_simulate_a_future_day(cli_db: str) -> None:
    later = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    assert run(["loans", "close-day", "--date", later]) == 0


def test_production_refuses_a_day_that_has_not_ended(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import config

    monkeypatch.setenv("IPCREDIT_ENV", "production")
    config.settings.cache_clear()
    today = datetime.now(UTC).date()
    assert run(["loans", "close-day", "--date", today.isoformat()]) == 2
    assert "has not ended" in capsys.readouterr().err
    assert run(["loans", "close-day", "--date", (today - timedelta(days=1)).isoformat()]) == 0


def test_a_malformed_date_is_refused(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["loans", "close-day", "--date", "31/03/2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
