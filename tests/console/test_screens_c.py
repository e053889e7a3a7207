"""The loan, portfolio, models and guarantor screens: each renders for the roles it serves, shows
only the actions the role may take, saves a screenshot, logs no console error (the `page`
fixture fails the test on one) and has no serious axe-core violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import A

pytestmark = pytest.mark.browser


def _base(server: Any) -> str:
    url = str(getattr(server, "base_url", None) or server.url)
    return url.removesuffix("/graphql").rstrip("/")


def _scripts(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.resource_type == "script" else None)
    return seen


def test_the_loan_screen_shows_schedule_repayments_ledger_and_collateral(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    scripts = _scripts(page)
    loan_id = console_server.info["loan_id"]
    signed_in(page, "LOAN_OFFICER")

    # given the loan book, when the disbursed loan is opened from it
    page.goto(f"{_base(console_server)}/console/loans")
    page.get_by_role("heading", name="贷款账簿").wait_for()
    page.goto(f"{_base(console_server)}/console/loans/{loan_id}")

    # then its classification (with the reason) and the schedule in force are shown
    classification = page.get_by_test_id("loan-classification")
    classification.wait_for(timeout=10_000)
    assert "正常" in classification.inner_text()
    assert page.get_by_test_id("loan-schedule").locator("tbody tr").count() == 12
    assert not [u for u in scripts if "echarts" in u], "charts load only where they are drawn"

    # a loan officer may record money and ask for changes, not reclassify
    actions = page.get_by_role("region", name="操作")
    assert actions.get_by_role("button", name="登记还款").is_visible()
    assert actions.get_by_role("button", name="申请重组").is_visible()
    assert actions.get_by_role("button", name="调整分类").count() == 0

    # when a payoff quote is asked for today
    actions.get_by_role("button", name="提前结清报价").click()
    page.get_by_role("button", name="计算").click()
    page.get_by_test_id("payoff-quote").wait_for()

    # when a repayment is recorded, then it is booked and listed with its allocation
    actions.get_by_role("button", name="登记还款").click()
    page.get_by_label("金额").fill("1000.00")
    page.locator("#loan-action-repay").get_by_role("button", name="登记还款").click()
    page.get_by_text("还款已入账。").wait_for(timeout=10_000)
    page.get_by_role("tab", name="还款记录").click()
    page.get_by_test_id("loan-repayments").locator("tbody tr").first.wait_for()
    assert "1,000.00" in page.get_by_test_id("loan-repayments").inner_text()

    # the ledger shows balanced postings, the collateral tab the pledge value and LTV
    page.get_by_role("tab", name="会计分录").click()
    journal = page.get_by_test_id("loan-journal")
    journal.wait_for()
    assert "1303" in journal.inner_text() or journal.locator("tbody tr").count() > 0
    page.get_by_role("tab", name="质押物").click()
    page.get_by_role("tab", name="还款计划").click()
    page.get_by_test_id("loan-schedule").wait_for()
    screenshot(page, "loan")
    axe(page)


def test_a_risk_manager_may_reclassify_and_sees_english(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    loan_id = console_server.info["loan_id"]
    signed_in(page, "RISK_MANAGER")
    page.goto(f"{_base(console_server)}/console/loans/{loan_id}")
    page.get_by_test_id("loan-classification").wait_for(timeout=10_000)
    assert page.get_by_role("button", name="调整分类").is_visible()

    # the English switch translates the screen
    page.evaluate("localStorage.setItem('ipcredit.console.locale', 'en')")
    page.reload()
    page.get_by_test_id("loan-classification").wait_for(timeout=10_000)
    assert page.get_by_role("button", name="Reclassify").is_visible()
    assert page.get_by_role("tab", name="Ledger postings").is_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    screenshot(page, "loan-en")
    axe(page)
    page.evaluate("localStorage.removeItem('ipcredit.console.locale')")


def test_the_portfolio_draws_its_charts_and_exports(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    scripts = _scripts(page)
    signed_in(page, "RISK_MANAGER")
    page.goto(f"{_base(console_server)}/console/portfolio")

    # then the figures are shown and ECharts is loaded for this screen
    kpis = page.get_by_test_id("portfolio-kpis")
    kpis.wait_for(timeout=15_000)
    assert "PAR30" in kpis.inner_text()
    page.locator(".cs-chart canvas").first.wait_for(timeout=15_000)
    assert [u for u in scripts if "echarts" in u], "ECharts is loaded on the portfolio screen"
    regulator = page.get_by_test_id("regulator")
    regulator.get_by_role("table").or_(regulator.get_by_role("alert")).first.wait_for(
        timeout=15_000
    )

    # the CSV export downloads with the session's token
    with page.expect_download() as download:
        page.get_by_test_id("export-portfolio-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    screenshot(page, "portfolio")
    axe(page)


def test_the_models_screen_lists_cards_and_activation_requests(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    signed_in(page, "RISK_MANAGER")
    page.goto(f"{_base(console_server)}/console/models")
    page.get_by_test_id("activation-pending").wait_for(timeout=10_000)
    page.get_by_role("heading", name="模型卡").wait_for()
    screenshot(page, "models")
    axe(page)


def test_a_guarantor_sees_its_programme_and_may_sign(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    signed_in(page, "GUARANTOR")
    page.goto(f"{_base(console_server)}/console/guarantees")
    guarantees = page.get_by_test_id("guarantees")
    guarantees.wait_for(timeout=10_000)
    page.get_by_test_id("guarantee-claims").wait_for()

    # then the guarantee waiting for it is listed with the sign action
    assert "待签署" in guarantees.inner_text()
    assert guarantees.get_by_role("button", name="签署担保合同").is_visible()
    screenshot(page, "guarantor")
    axe(page)

    # and the bank's screens are not the guarantor's
    page.goto(f"{_base(console_server)}/console/portfolio")
    page.wait_for_load_state("networkidle")
    assert (
        "/console/portfolio" not in page.url or page.get_by_test_id("portfolio-kpis").count() == 0
    )


def test_bank_staff_see_guarantees_without_signing(
    console_server: Any, page: Any, signed_in: Any
) -> None:
    signed_in(page, "LOAN_OFFICER")
    page.goto(f"{_base(console_server)}/console/guarantees")
    guarantees = page.get_by_test_id("guarantees")
    guarantees.wait_for(timeout=10_000)
    assert guarantees.get_by_role("button", name="签署担保合同").count() == 0


def test_borrower_360_draws_indicator_trends(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    auth = signed_in(page, "LOAN_OFFICER")
    found = console_server.gql(
        "query($u: String!) { enterpriseByUscc(uscc: $u) { id indicatorHistory(codes: "
        '["ip.granted.count"], last: 8) { points { value } } } }',
        auth["token"],
        u=A,
    )["data"]["enterpriseByUscc"]

    # given a borrower with several indicator snapshots, when its 360 page is opened
    page.goto(f"{_base(console_server)}/console/borrowers/{found['id']}")
    section = page.locator("#b-indicators")
    section.wait_for(timeout=10_000)

    # then the indicator tables draw each indicator's trend from its history
    assert len(found["indicatorHistory"][0]["points"]) >= 2
    trends = section.locator("svg.spark")
    trends.first.wait_for(timeout=10_000)
    assert trends.count() > 100
    assert trends.first.get_attribute("aria-label", timeout=1_000).endswith("的趋势")
    screenshot(page, "borrower-trends")
    axe(page)
