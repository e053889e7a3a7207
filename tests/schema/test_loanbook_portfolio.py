"""Portfolio analytics through GraphQL and as the CSV download."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

import schema.portfolio_csv as download
from domain.accounts.principal import Principal
from tests.schema.helpers import run, run_raw
from tests.schema.loanbook_world import BookWorld, make_book_world

FIGURES = """query($asOf: Date) { portfolio(asOf: $asOf) {
  asOf snapshot loans principal outstanding par { days principal ratio }
  nplPrincipal nplRatio provisions coverage
  tiers { key loans principal share }
  vintages { cohort monthsOnBook share }
  rollFrom rollTo rollRates { fromTier toTier rate }
  byIndustry { key share } byRegion { key share } byGuaranteeGroup { key detail share } } }"""


@pytest.fixture
async def world(db: str) -> BookWorld:
    return await make_book_world()


async def test_risk_managers_and_loan_officers_read_the_figures(world: BookWorld) -> None:
    figures = (await run(FIGURES, world.risk))["portfolio"]
    assert figures["loans"] == 1
    assert Decimal(figures["principal"]) == Decimal("120000.00")
    assert [b["days"] for b in figures["par"]] == [1, 30, 60, 90]
    assert all(Decimal(b["principal"]) == 0 for b in figures["par"])
    assert figures["tiers"][0]["key"] == "NORMAL"
    assert figures["coverage"] is None  # no NPL
    assert (await run(FIGURES, world.officer))["portfolio"]["loans"] == 1
    for outsider in (world.applicant, world.admin, world.feed):
        result = await run_raw(FIGURES, outsider)
        assert [e.extensions["code"] for e in result.errors] == ["FORBIDDEN"]


def _client(monkeypatch: pytest.MonkeyPatch, who: Principal | None) -> httpx.AsyncClient:
    async def caller(*_: Any, **__: Any) -> tuple[Principal | None, None]:
        return who, None

    monkeypatch.setattr(download, "current_principal", caller)
    app = Starlette(routes=[Route("/portfolio.csv", download.portfolio_csv_download)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_the_csv_download(world: BookWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    async with _client(monkeypatch, world.risk) as client:
        got = await client.get("/portfolio.csv")
        bad = await client.get("/portfolio.csv?asOf=yesterday")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert got.text.splitlines()[0] == "section,key,detail,loans,principal,ratio"
    assert "book,total,latest,1,120000.00," in got.text
    assert bad.status_code == 400
    async with _client(monkeypatch, world.applicant) as client:
        assert (await client.get("/portfolio.csv")).status_code == 403
    async with _client(monkeypatch, None) as client:
        assert (await client.get("/portfolio.csv")).status_code == 401
