"""/metrics is for the bank's scrapers only, and clients cannot fill its labels."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app import create_app
from schema.observability import MetricsAccess, operation_label

TOKEN = "scrape-" + "k" * 32


async def _client(monkeypatch: pytest.MonkeyPatch, client: str, **env: str) -> httpx.AsyncClient:
    for name in ("IPCREDIT_METRICS_TOKEN", "IPCREDIT_METRICS_ALLOW"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    transport = httpx.ASGITransport(
        app=create_app(init_database=False, background=False), client=(client, 40000)
    )
    return httpx.AsyncClient(transport=transport, base_url="http://api")


@pytest.fixture
async def from_outside(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(monkeypatch, "203.0.113.7", IPCREDIT_METRICS_TOKEN=TOKEN) as c:
        yield c


async def test_loopback_reads_metrics_by_default(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with await _client(monkeypatch, "127.0.0.1") as local:
        assert (await local.get("/metrics")).status_code == 200
    async with await _client(monkeypatch, "198.51.100.2") as outside:
        refused = await outside.get("/metrics")
    assert refused.status_code == 403
    assert "ipcredit_" not in refused.text


async def test_a_bearer_token_opens_metrics_from_anywhere(
    from_outside: httpx.AsyncClient,
) -> None:
    missing = await from_outside.get("/metrics")
    wrong = await from_outside.get("/metrics", headers={"Authorization": "Bearer nope"})
    right = await from_outside.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert right.status_code == 200 and "ipcredit_graphql_request_seconds" in right.text


async def test_the_allow_list_is_configurable(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with await _client(
        monkeypatch, "10.1.2.3", IPCREDIT_METRICS_ALLOW="10.0.0.0/8, 192.0.2.1"
    ) as scraper:
        assert (await scraper.get("/metrics")).status_code == 200
    async with await _client(monkeypatch, "127.0.0.1", IPCREDIT_METRICS_ALLOW="") as local:
        assert (await local.get("/metrics")).status_code == 403


def test_access_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IPCREDIT_METRICS_ALLOW", raising=False)
    monkeypatch.delenv("IPCREDIT_METRICS_TOKEN", raising=False)
    default = MetricsAccess.from_environ()
    assert default.token is None
    assert default.permits(None, "::1") and default.permits(None, "::ffff:127.0.0.1")
    assert not default.permits(None, "192.0.2.1")
    only_token = MetricsAccess(token=TOKEN)
    assert only_token.permits(f"bearer {TOKEN}", None)
    assert not only_token.permits(f"Basic {TOKEN}", "127.0.0.1")
    assert not only_token.permits(None, "not an address")


async def test_operation_labels_stay_within_known_names(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPCREDIT_METRICS_OPERATIONS", "PartnerDashboard")
    async with await _client(monkeypatch, "127.0.0.1") as client:
        names = ["LoanProducts", "loanProducts", "PartnerDashboard"] + [
            f"Spam{n}" for n in range(50)
        ]
        for name in names:
            query = f"query {name} {{ loanProducts {{ code }} }}"
            await client.post("/graphql", json={"query": query})
        await client.post("/graphql", json={"query": "{ loanProducts { code } }"})
        text = (await client.get("/metrics")).text

    labels = {
        line.split('operation="', 1)[1].split('"', 1)[0]
        for line in text.splitlines()
        if line.startswith("ipcredit_graphql_request_seconds_count{")
    }
    assert {"LoanProducts", "loanProducts", "PartnerDashboard", "other", "anonymous"} <= labels
    assert not any(label.startswith("Spam") for label in labels)


def test_labels_are_bounded() -> None:
    known = frozenset({"login"})
    assert operation_label("login", "mutation", known) == "login"
    assert operation_label("x" * 10_000, "query", known) == "other"
    assert operation_label(None, "query", known) == "anonymous"
    assert operation_label("login", "invalid", known) == "invalid"
