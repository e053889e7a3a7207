"""Warning rules over a borrower's figures: collateral shortfall, financial decline, graph risk.

Pure: figures in, warning drafts out; thresholds come from the `indicators` part of rules.json.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from db.models import WarningLevel
from domain.monitoring.rules import RuleSet, WarningDraft, load_rules, render


@dataclass(frozen=True)
class Figures:
    """What the monitor measured about one borrower at one moment."""

    period: str | None = None
    revenue: Decimal | None = None
    net_profit: Decimal | None = None
    previous_period: str | None = None
    previous_revenue: Decimal | None = None
    previous_net_profit: Decimal | None = None
    # sum of the pledge values of the loan's pledged patents; None when nothing is pledged
    collateral_value: Decimal | None = None
    graph_risk: float | None = None


@dataclass(frozen=True)
class LoanContext:
    """The loan a borrower's figures are judged against."""

    name: str
    loan_id: int | None
    outstanding: Decimal
    pledged_patents: tuple[str, ...] = ()


def cover_ratio(collateral: Decimal | None, outstanding: Decimal) -> Decimal | None:
    """Collateral value over outstanding balance; None when it does not apply."""
    if collateral is None or outstanding <= 0:
        return None
    return collateral / outstanding


def evaluate_indicator_change(
    before: Figures | None, after: Figures, loan: LoanContext, rules: RuleSet | None = None
) -> list[WarningDraft]:
    """Warnings from a borrower's figures: collateral shortfall, financial decline, graph risk."""
    ruleset = rules or load_rules()
    drafts: list[WarningDraft] = []
    ltv = ruleset.indicators.get("ltv_shortfall")
    if ltv is not None and loan.pledged_patents:
        drafts += _ltv(before, after, loan, ltv, ruleset.version)
    decline = ruleset.indicators.get("financial_decline")
    if decline is not None:
        drafts += _decline(after, loan, decline, ruleset.version)
    graph = ruleset.indicators.get("graph_risk")
    if graph is not None and after.graph_risk is not None:
        drafts += _graph(before, after, loan, graph, ruleset.version)
    return drafts


def _ltv(
    before: Figures | None,
    after: Figures,
    loan: LoanContext,
    rule: Mapping[str, Any],
    version: str,
) -> list[WarningDraft]:
    cover = cover_ratio(after.collateral_value, loan.outstanding)
    required = Decimal(str(rule["required_cover"]))
    if cover is None or cover >= required:
        return []
    prior = cover_ratio(before.collateral_value, loan.outstanding) if before else None
    bucket = Decimal(str(rule.get("bucket", "0.10")))
    band = (cover / bucket).to_integral_value(rounding="ROUND_FLOOR") * bucket
    message = render(
        rule["message"],
        name=loan.name,
        cover=_pct(cover),
        outstanding=loan.outstanding,
        loan_id=loan.loan_id,
        required=_pct(required),
    )
    evidence = {
        "rule": rule["id"],
        "rules_version": version,
        "indicators": [
            {
                "code": "collateral_cover",
                "before": None if prior is None else str(_q(prior)),
                "after": str(_q(cover)),
            }
        ],
        "collateral_value": str(after.collateral_value),
        "outstanding": str(loan.outstanding),
        "required_cover": str(required),
        "patents": list(loan.pledged_patents),
    }
    return [
        WarningDraft(
            level=WarningLevel(rule["level"]),
            kind=rule["kind"],
            message=message,
            rule=rule["id"],
            evidence=evidence,
            source=f"loan:{loan.loan_id}",
            fingerprint=f"band={band}",
            loan_id=loan.loan_id,
        )
    ]


def _decline(
    after: Figures, loan: LoanContext, rule: Mapping[str, Any], version: str
) -> list[WarningDraft]:
    if after.period is None or after.previous_period is None:
        return []
    reasons: list[str] = []
    changes: list[dict[str, Any]] = []
    drop = Decimal(str(rule.get("revenue_drop", "0.30")))
    if after.revenue is not None and after.previous_revenue and after.previous_revenue > 0:
        fall = 1 - after.revenue / after.previous_revenue
        if fall >= drop:
            reasons.append(f"revenue down {_pct(fall)}%")
            changes.append(
                {
                    "code": "revenue",
                    "before": str(after.previous_revenue),
                    "after": str(after.revenue),
                }
            )
    if (
        rule.get("profit_turns_negative", True)
        and after.net_profit is not None
        and after.previous_net_profit is not None
        and after.previous_net_profit >= 0 > after.net_profit
    ):
        reasons.append("net profit turned negative")
        changes.append(
            {
                "code": "net_profit",
                "before": str(after.previous_net_profit),
                "after": str(after.net_profit),
            }
        )
    if not reasons:
        return []
    evidence = {
        "rule": rule["id"],
        "rules_version": version,
        "indicators": changes,
        "periods": [after.previous_period, after.period],
    }
    return [
        WarningDraft(
            level=WarningLevel(rule["level"]),
            kind=rule["kind"],
            message=render(
                rule["message"], name=loan.name, period=after.period, detail="; ".join(reasons)
            ),
            rule=rule["id"],
            evidence=evidence,
            fingerprint=f"period={after.period}",
            loan_id=loan.loan_id,
        )
    ]


def _graph(
    before: Figures | None,
    after: Figures,
    loan: LoanContext,
    rule: Mapping[str, Any],
    version: str,
) -> list[WarningDraft]:
    risk = after.graph_risk
    if risk is None or risk < float(rule["at_least"]):
        return []
    step = float(rule.get("bucket", 0.1))
    band = round(math.floor(risk / step) * step, 4)
    evidence = {
        "rule": rule["id"],
        "rules_version": version,
        "indicators": [
            {
                "code": "graph_risk",
                "before": None if before is None else before.graph_risk,
                "after": risk,
            }
        ],
    }
    return [
        WarningDraft(
            level=WarningLevel(rule["level"]),
            kind=rule["kind"],
            message=render(rule["message"], name=loan.name, risk=f"{risk:.2f}"),
            rule=rule["id"],
            evidence=evidence,
            fingerprint=f"band={band}",
            loan_id=loan.loan_id,
        )
    ]


def _q(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.0001"), rounding="ROUND_FLOOR")


def _pct(x: Decimal) -> str:
    return str((x * 100).quantize(Decimal("1"), rounding="ROUND_FLOOR"))
