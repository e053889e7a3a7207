"""Notifiers: the development file sink, the refusal, and a bank's own channel by name."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import config
from domain.notify import Notice, NoticeKind, NotifyError, current_notifier, mask
from domain.notify.sinks import FileNotifier, NoChannel

SENT: list[Notice] = []


class Recorder:
    """A channel a bank could plug in (here: remembers what it was given)."""

    async def send(self, notice: Notice) -> None:
        SENT.append(notice)


@pytest.mark.parametrize(
    ("address", "account", "masked"),
    [
        ("cfo@quantum.cn", False, "c***@quantum.cn"),
        ("13800001234", False, "138****1234"),
        ("340100000123456789", True, "****6789"),
        ("123", True, "****"),
    ],
)
def test_addresses_are_masked(address: str, account: bool, masked: str) -> None:
    assert mask(address, account=account) == masked


async def test_the_file_sink_writes_one_json_object_per_line(tmp_path: Path) -> None:
    sink = FileNotifier(tmp_path / "n" / "notifications.jsonl")
    await sink.send(
        Notice(NoticeKind.MICRO_DEPOSIT, "340100000123456789", "U1", {"amount": Decimal("0.37")})
    )
    await sink.send(Notice(NoticeKind.LEGAL_REP_CODE, "13800001234", "U1", {"code": "004211"}))

    lines = [
        json.loads(x) for x in (tmp_path / "n" / "notifications.jsonl").read_text().splitlines()
    ]
    assert [(n["kind"], n["uscc"], n["to"]) for n in lines] == [
        ("micro_deposit", "U1", "****6789"),
        ("legal_rep_code", "U1", "138****1234"),
    ]
    assert lines[0]["amount"] == "0.37" and lines[1]["code"] == "004211"
    assert all(n["at"].endswith("+00:00") for n in lines)


async def test_no_channel_refuses() -> None:
    with pytest.raises(NotifyError):
        await NoChannel().send(Notice(NoticeKind.INVITATION, "a@b.cn"))


@pytest.mark.parametrize(
    ("env", "spec", "kind"),
    [("development", None, FileNotifier), ("production", None, NoChannel)],
)
def test_the_default_depends_on_the_mode(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, env: str, spec: str | None, kind: type
) -> None:
    monkeypatch.setenv("IPCREDIT_ENV", env)
    monkeypatch.delenv("IPCREDIT_NOTIFIER", raising=False)
    config.settings.cache_clear()
    assert isinstance(current_notifier(), kind)


async def test_a_bank_plugs_its_channel_in_by_name(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPCREDIT_NOTIFIER", "tests.domain.notify.test_notify:Recorder")
    config.settings.cache_clear()
    await current_notifier().send(Notice(NoticeKind.INVITATION, "a@b.cn", data={"code": "x"}))
    assert SENT[-1].data == {"code": "x"}


def test_a_malformed_setting_is_refused(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPCREDIT_NOTIFIER", "smtp")
    config.settings.cache_clear()
    with pytest.raises(ValueError, match="IPCREDIT_NOTIFIER"):
        current_notifier()
