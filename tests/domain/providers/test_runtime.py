"""Which provider the settings pick, and how provider settings are read."""

from __future__ import annotations

from pathlib import Path

import pytest

import config
from domain.providers.directory import DirectoryProvider
from domain.providers.http import HttpProvider
from domain.providers.runtime import current_provider
from tests.stored_provider import StoredProvider


@pytest.fixture
def env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    names = ("URL", "ADAPTER", "TOKEN", "TIMEOUT", "RETRIES", "CACHE_TTL", "BREAKER_FAILURES")
    for name in names:
        monkeypatch.delenv(f"IPCREDIT_PROVIDER_{name}", raising=False)
    return monkeypatch


def test_without_a_url_the_world_of_the_data_directory(
    env: pytest.MonkeyPatch, data_dir: Path
) -> None:
    provider = current_provider()
    assert isinstance(provider, DirectoryProvider)
    assert provider.directory == data_dir / "world"
    assert current_provider() is provider  # one index per process


def test_with_a_url_the_data_platform(env: pytest.MonkeyPatch) -> None:
    env.setenv("IPCREDIT_PROVIDER_URL", "https://data.bank.example/platform/")
    env.setenv("IPCREDIT_PROVIDER_TOKEN", "t0ken")
    env.setenv("IPCREDIT_PROVIDER_TIMEOUT", "1.5")
    env.setenv("IPCREDIT_PROVIDER_RETRIES", "4")
    env.setenv("IPCREDIT_PROVIDER_CACHE_TTL", "0")
    config.settings.cache_clear()
    provider = current_provider()
    assert isinstance(provider, HttpProvider)
    assert provider.base_url == "https://data.bank.example/platform"
    assert provider.options.token == "t0ken"
    assert provider.options.timeout_seconds == 1.5
    assert provider.options.retries == 4
    assert provider.options.cache_ttl_seconds == 0
    assert provider.options.breaker_failures == 5


def test_an_adapter_names_the_banks_own_provider(env: pytest.MonkeyPatch) -> None:
    env.setenv("IPCREDIT_PROVIDER_ADAPTER", "tests.stored_provider:StoredProvider")
    config.settings.cache_clear()
    provider = current_provider()
    assert isinstance(provider, StoredProvider)
    assert current_provider() is provider


def test_a_url_and_an_adapter_together_are_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("IPCREDIT_PROVIDER_URL", "https://data.bank.example/platform")
    env.setenv("IPCREDIT_PROVIDER_ADAPTER", "tests.stored_provider:StoredProvider")
    with pytest.raises(ValueError, match="not both"):
        config.load_settings()


def test_a_malformed_adapter_is_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("IPCREDIT_PROVIDER_ADAPTER", "stored")
    config.settings.cache_clear()
    with pytest.raises(ValueError, match="package.module:name"):
        current_provider()


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [("TIMEOUT", "soon", "must be a number"), ("RETRIES", "-1", "must not be negative"),
     ("RETRIES", "2.5", "must be a number")],
)  # fmt: skip
def test_bad_provider_settings_are_refused(
    env: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    env.setenv(f"IPCREDIT_PROVIDER_{name}", value)
    with pytest.raises(ValueError, match=reason):
        config.load_settings()
