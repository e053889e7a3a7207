"""The contagion explorer: a borrower's neighbourhood is drawn (Cytoscape loaded only on this
screen) and the path to its guarantor is highlighted; the what-if shock answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import A, B

pytestmark = pytest.mark.browser

GUARANTOR = "合肥量子科技有限公司"  # A guarantees B's debts
BORROWER = "芜湖智能装备有限公司"


def test_the_explorer_draws_the_path_to_a_guarantor(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    signed_in(page, "LOAN_OFFICER", "/warnings")
    page.get_by_test_id("warnings-board").wait_for()
    assert not [u for u in scripts if "cytoscape" in u], "graph code loaded before it was needed"

    # given the explorer, when the borrower is found by its USCC
    page.get_by_role("link", name="风险传导分析").click()
    page.get_by_label("查找企业").fill(B)
    page.get_by_role("button", name="查找", exact=True).click()
    page.get_by_role("button", name=f"{BORROWER} · {B}").click()

    # then its neighbourhood is drawn
    graph = page.locator('[data-testid="contagion-graph"][data-drawn="true"]')
    graph.wait_for(timeout=15_000)
    assert [u for u in scripts if "cytoscape" in u], "Cytoscape is loaded on this screen"
    assert page.locator("canvas").count() > 0
    guarantor_row = page.locator(f'[data-testid="nodes"] tr[data-node-id="{A}"]')
    assert guarantor_row.is_visible()

    # when the path to the guarantor is asked for
    guarantor_row.get_by_role("button", name=f"显示路径: {GUARANTOR}").click()

    # then the path is listed and highlighted in the drawing
    step = page.locator('[data-testid="path"] li[data-relation="guarantee"]')
    step.first.wait_for()
    assert GUARANTOR in step.first.inner_text()
    assert BORROWER in step.first.inner_text()
    assert graph.get_attribute("data-highlighted") not in (None, "")
    screenshot(page, "contagion")
    axe(page)

    # the what-if shock answers: who is exposed, or why the graph model could not tell
    page.get_by_role("button", name="模拟违约").click()
    answer = (
        page.get_by_test_id("exposed")
        .or_(page.locator('.contagion [role="alert"]'))
        .or_(page.get_by_text("没有企业受到影响。"))
    )
    answer.first.wait_for(timeout=20_000)
    screenshot(page, "contagion-shock")
