"""The regulator's report through GraphQL and as XLSX, with the same figures."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

import schema.credit_exports as download
from domain.accounts.principal import Principal
from tests.domain.credit.regulator_world import make_reg_world
from tests.schema.helpers import run, run_raw

REPORT = """query { regulatorReport(month: "2026-10") { month source asOf
  inclusive { borrowers balance nplRatio averageRate firstLoans firstLoanAmount }
  allLoans { balance } tech { key borrowers balance }
  inclusiveGrowth allGrowth growthOk inclusiveBorrowersYearStart borrowersOk } }"""


def _client(monkeypatch: pytest.MonkeyPatch, who: Principal | None) -> httpx.AsyncClient:
    async def caller(*_: Any, **__: Any) -> tuple[Principal | None, None]:
        return who, None

    monkeypatch.setattr(download, "current_principal", caller)
    app = Starlette(routes=download.ROUTES)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_the_report_and_its_workbook(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    w = await make_reg_world()
    r = (await run(REPORT, w.officer))["regulatorReport"]
    assert (r["month"], r["source"]) == ("2026-10", "MONTH_END")
    assert Decimal(r["inclusive"]["balance"]) == Decimal("1500000.00")
    assert Decimal(r["inclusive"]["nplRatio"]) == Decimal("0.533333")
    assert Decimal(r["inclusive"]["averageRate"]) == Decimal("0.044286")
    assert r["inclusive"]["firstLoans"] == 2 and r["growthOk"] is True and r["borrowersOk"]
    result = await run_raw(REPORT, w.applicant)
    assert [e.extensions["code"] for e in result.errors] == ["FORBIDDEN"]
    async with _client(monkeypatch, w.officer) as client:
        got = await client.get("/regulator-report.xlsx?month=2026-10")
        bad = await client.get("/regulator-report.xlsx?month=October")
    assert got.status_code == 200 and bad.status_code == 400
    book = load_workbook(io.BytesIO(got.content))
    summary = {row[0]: row[1] for row in book["summary"].iter_rows(values_only=True)}
    assert Decimal(str(summary["inclusive_balance"])) == Decimal(r["inclusive"]["balance"])
    assert Decimal(str(summary["inclusive_npl_ratio"])) == Decimal(r["inclusive"]["nplRatio"])
    assert summary["inclusive_borrowers"] == r["inclusive"]["borrowers"]
    assert summary["growth_ok"] is True
    segments = {row[0]: row for row in book["segments"].iter_rows(values_only=True)}
    assert Decimal(str(segments["HIGH_TECH"][3])) == Decimal("1200000")
    async with _client(monkeypatch, w.applicant) as client:
        assert (await client.get("/regulator-report.xlsx?month=2026-10")).status_code == 403
