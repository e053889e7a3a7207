"""The HTTP surface: health, readiness, GraphQL with bearer tokens, request ids."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app import create_app
from db.models import Role
from domain.accounts import service
from domain.world.importer import import_world_dir
from tests.factories import tiny_world, write_world

PASSWORD = "correct horse battery"


@pytest.fixture
async def client(db: str, data_dir: Path, tmp_path: Path) -> httpx.AsyncClient:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await service.create_staff_user(email="officer@bank.cn", password=PASSWORD, role=Role.ADMIN)
    app = create_app(init_database=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_login_then_query_with_bearer_token(client: httpx.AsyncClient) -> None:
    login = await client.post(
        "/graphql",
        json={
            "query": 'mutation { login(email: "officer@bank.cn", password: "correct horse battery") { token errors { code } } }'
        },
    )
    token = login.json()["data"]["login"]["token"]

    resp = await client.post(
        "/graphql",
        json={"query": "{ me { email role } enterprises { totalCount } }"},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": "abc123"},
    )

    assert resp.json()["data"] == {
        "me": {"email": "officer@bank.cn", "role": "ADMIN"},
        "enterprises": {"totalCount": 3},
    }
    assert resp.headers["x-request-id"] == "abc123"


async def test_wrong_password_is_a_payload_error(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/graphql",
        json={
            "query": 'mutation { login(email: "officer@bank.cn", password: "nope nope nope") { token errors { code message } } }'
        },
    )
    assert resp.json()["data"]["login"] == {
        "token": None,
        "errors": [{"code": "INVALID_INPUT", "message": "wrong email or password"}],
    }


async def test_bad_token_is_not_authenticated(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/graphql",
        json={"query": "{ enterprises { totalCount } }"},
        headers={"Authorization": "Bearer not.a.token"},
    )
    body = resp.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_metrics_count_operations_and_error_codes(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": "query LoanProducts { loanProducts { code } }"})
    await client.post("/graphql", json={"query": "query Ents { enterprises { totalCount } }"})

    text = (await client.get("/metrics")).text

    assert 'ipcredit_graphql_request_seconds_count{operation="LoanProducts",type="query"}' in text
    assert 'ipcredit_graphql_errors_total{code="UNAUTHENTICATED"}' in text


async def test_readiness_reports_an_unreachable_broker(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import config
    from tests.live_server import free_port

    monkeypatch.setenv("BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    config.settings.cache_clear()
    try:
        resp = await client.get("/readyz")
    finally:
        config.settings.cache_clear()
    assert resp.status_code == 503
    assert resp.json()["broker"] == "unreachable"
