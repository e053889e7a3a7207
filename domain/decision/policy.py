"""Versioned credit policy files: admission thresholds, decision matrix, limit, pricing and the
human approvals large amounts need."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

POLICY_DIR = Path(__file__).with_name("policy")
CURRENT_VERSION = "v2"
ACTIONS = ("APPROVE", "REVIEW", "REJECT")
_VERSION = re.compile(r"^v\d+$")


@dataclass(frozen=True)
class AmountBand:
    """Amounts up to `up_to` (inclusive; None: no upper bound) fall in `band`."""

    band: str
    up_to: Decimal | None


@dataclass(frozen=True)
class DataRules:
    """How fresh a decision's data must be, and how a failed refresh of it is retried.

    The n-th failed refresh (n from 1) is tried again `retry_first * retry_factor ** (n - 1)`
    later; after `max_attempts` failed refreshes the application goes to a person.
    """

    max_snapshot_age: timedelta = timedelta(hours=24)
    retry_first: timedelta = timedelta(seconds=30)
    retry_factor: float = 2.0
    max_attempts: int = 6

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed refresh (1 for the first)."""
        return self.retry_first * (self.retry_factor ** max(0, attempts - 1))


@dataclass(frozen=True)
class ApprovalRules:
    """Which offers people must approve, whatever the model says.

    Above `four_eyes_above` a manual approval needs two different people, one of them a risk
    manager; above `always_human_above` the matrix may not approve automatically for any grade
    (a policy whose matrix would is refused). Policy files before v2 have no `approvals` section:
    they keep the four-eyes amount the platform used then and no always-human bound.
    """

    four_eyes_above: Decimal = Decimal("3000000")
    always_human_above: Decimal | None = None


@dataclass(frozen=True)
class Policy:
    """One version of the credit policy, with the SHA-256 of its file."""

    version: str
    sha256: str
    grades: tuple[str, ...]
    max_pd: float
    reject_grades: frozenset[str]
    graph_risk_review: float
    graph_risk_reject: float
    rules_needing_pledge: frozenset[str]
    unscored_grade: str
    amount_bands: tuple[AmountBand, ...]
    matrix: dict[str, dict[str, str]]
    pledge_share: dict[str, Decimal]
    credit_share: dict[str, Decimal]
    revenue_cap_share: Decimal
    revenue_unknown_cap: Decimal
    round_down_to: Decimal
    review_below_share: Decimal
    grade_spread: dict[str, Decimal]
    floor_rate: Decimal
    min_borrower_rate: Decimal
    guarantee_coverage: Decimal
    data: DataRules = DataRules()
    approvals: ApprovalRules = ApprovalRules()

    def band_of(self, amount: Decimal) -> str:
        """The amount band an amount falls in."""
        for band in self.amount_bands:
            if band.up_to is None or amount <= band.up_to:
                return band.band
        return self.amount_bands[-1].band


def parse_policy(raw: bytes) -> Policy:
    """A policy from a file's bytes, checked for completeness."""
    data: dict[str, Any] = json.loads(raw)
    grades = tuple(data["grades"])
    adm, lim, pri = data["admission"], data["limit"], data["pricing"]
    bands = tuple(
        AmountBand(b["band"], None if b["up_to"] is None else Decimal(b["up_to"]))
        for b in data["amount_bands"]
    )
    policy = Policy(
        version=data["version"],
        sha256=hashlib.sha256(raw).hexdigest(),
        grades=grades,
        max_pd=float(adm["max_probability_of_default"]),
        reject_grades=frozenset(adm["reject_grades"]),
        graph_risk_review=float(adm["graph_risk_review"]),
        graph_risk_reject=float(adm["graph_risk_reject"]),
        rules_needing_pledge=frozenset(adm.get("rules_needing_pledge", [])),
        unscored_grade=adm["unscored_grade"],
        amount_bands=bands,
        matrix={g: dict(row) for g, row in data["matrix"].items()},
        pledge_share=_decimals(lim["pledge_share"]),
        credit_share=_decimals(lim["credit_share_of_revenue"]),
        revenue_cap_share=Decimal(lim["revenue_cap_share"]),
        revenue_unknown_cap=Decimal(lim["revenue_unknown_cap"]),
        round_down_to=Decimal(lim["round_down_to"]),
        review_below_share=Decimal(lim["review_below_share_of_request"]),
        grade_spread=_decimals(pri["grade_spread"]),
        floor_rate=Decimal(pri["floor_rate"]),
        min_borrower_rate=Decimal(pri["min_borrower_rate"]),
        guarantee_coverage=Decimal(data["guarantee"]["coverage"]),
        data=_data_rules(data.get("data")),
        approvals=_approval_rules(data.get("approvals")),
    )
    _validate(policy)
    return policy


@lru_cache(maxsize=8)
def load_policy(version: str = CURRENT_VERSION) -> Policy:
    """The policy of a version (`v1`, ...), read once per process."""
    if not _VERSION.match(version):
        raise ValueError(f"bad policy version {version!r}")
    path = POLICY_DIR / f"{version}.json"
    policy = parse_policy(path.read_bytes())
    if policy.version != version:
        raise ValueError(f"{path.name} declares version {policy.version}")
    return policy


def _data_rules(raw: dict[str, Any] | None) -> DataRules:
    """The `data` section (older policy files without one get the defaults)."""
    if raw is None:
        return DataRules()
    retry = raw.get("refresh_retry", {})
    default = DataRules()
    return DataRules(
        max_snapshot_age=timedelta(hours=float(raw["max_snapshot_age_hours"])),
        retry_first=timedelta(seconds=float(retry.get("first_seconds", 30.0))),
        retry_factor=float(retry.get("factor", default.retry_factor)),
        max_attempts=int(retry.get("max_attempts", default.max_attempts)),
    )


def _approval_rules(raw: dict[str, Any] | None) -> ApprovalRules:
    """The `approvals` section (older policy files without one get the legacy rules)."""
    if raw is None:
        return ApprovalRules()
    always = raw.get("always_human_above")
    return ApprovalRules(
        four_eyes_above=Decimal(raw["four_eyes_above"]),
        always_human_above=None if always is None else Decimal(always),
    )


def _decimals(table: dict[str, str]) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in table.items()}


def _validate(policy: Policy) -> None:
    band_names = [b.band for b in policy.amount_bands]
    if not band_names or policy.amount_bands[-1].up_to is not None:
        raise ValueError("the last amount band must be open-ended")
    for grade in policy.grades:
        row = policy.matrix.get(grade)
        if row is None or set(row) != set(band_names):
            raise ValueError(f"matrix row for grade {grade} must cover bands {band_names}")
        if any(action not in ACTIONS for action in row.values()):
            raise ValueError(f"matrix row for grade {grade} has an unknown action")
        for table in (policy.pledge_share, policy.credit_share, policy.grade_spread):
            if grade not in table:
                raise ValueError(f"grade {grade} is missing from a limit or pricing table")
    if policy.unscored_grade not in policy.grades:
        raise ValueError("unscored_grade must be one of the grades")
    if not policy.graph_risk_review <= policy.graph_risk_reject:
        raise ValueError("graph risk review threshold must not exceed the reject threshold")
    _validate_data(policy.data)
    _validate_approvals(policy)


def _validate_data(rules: DataRules) -> None:
    if rules.max_snapshot_age <= timedelta(0):
        raise ValueError("max_snapshot_age_hours must be positive")
    if rules.retry_first <= timedelta(0) or rules.retry_factor < 1 or rules.max_attempts < 1:
        raise ValueError("refresh_retry needs first_seconds > 0, factor >= 1, max_attempts >= 1")


def _validate_approvals(policy: Policy) -> None:
    """Refuse thresholds that are not positive amounts, and any matrix cell that would approve
    automatically an offer above the always-human amount."""
    rules = policy.approvals
    for name, value in (
        ("four_eyes_above", rules.four_eyes_above),
        ("always_human_above", rules.always_human_above),
    ):
        if value is not None and (not value.is_finite() or value <= 0):
            raise ValueError(f"approvals.{name} must be a positive amount")
    if rules.always_human_above is None:
        return
    if rules.always_human_above > rules.four_eyes_above:
        # between the two the model could approve what needs two people
        raise ValueError("approvals.always_human_above must not exceed four_eyes_above")
    lower = Decimal(0)
    for band in policy.amount_bands:
        # a band holding any amount above the bound must never approve on the model alone
        if band.up_to is None or band.up_to > rules.always_human_above:
            approving = sorted(g for g in policy.grades if policy.matrix[g][band.band] == "APPROVE")
            if approving:
                raise ValueError(
                    f"matrix band {band.band} (above {lower}) holds amounts above "
                    f"always_human_above {rules.always_human_above} but approves grades "
                    f"{approving} automatically"
                )
        lower = band.up_to if band.up_to is not None else lower


# the activation requests' name for the decision policy (maker-checker, domain/models_governance)
POLICY_NAME = "decision"


async def active_policy_version() -> str:
    """The decision policy in service: the last approved policy activation's version, else the
    version the platform ships with."""
    from db.models import ActivationRequest

    approved = (
        await ActivationRequest.filter(kind="POLICY", name=POLICY_NAME, status="APPROVED")
        .order_by("-decided_at", "-id")
        .first()
    )
    return CURRENT_VERSION if approved is None else approved.version
