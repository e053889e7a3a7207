"""Registration life of each firm: abnormal-operation listings, liquidation, deregistration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import STATUS_LABELS, Firms
from domain.world.generator.events import EventBatch
from domain.world.generator.timeline import NEVER, Ctx

ABNORMAL_REASONS = (
    "未按规定报送年度报告",
    "通过登记的住所或者经营场所无法联系",
    "公示信息隐瞒真实情况",
)
REVOKED, CANCELLED = 1, 2
DORMANT_RATE = 0.012  # share of healthy firms that go dormant during a two-year timeline


@dataclass
class Lifecycle:
    """Day offsets of registry events (NEVER when none) and the status at the end."""

    abnormal: F64
    reason: I64
    liquidating: F64
    closed: F64
    closed_kind: I64  # 0 none, 1 revoked, 2 cancelled
    status: I64  # index into STATUS_LABELS

    @property
    def stops_reporting(self) -> F64:
        """The day from which a firm files no more statements."""
        return np.asarray(np.minimum(self.liquidating, self.closed))


def make_lifecycle(ctx: Ctx, firms: Firms, defaults: Defaults) -> Lifecycle:
    """Liquidations and cancellations after default; abnormal listings and revocations."""
    rng = ctx.rng("lifecycle")
    n, h = firms.n, ctx.horizon
    d = defaults.day
    defaulted = defaults.defaulted
    liquidate = defaulted & (rng.random(n) < 0.35)
    liquidating = np.where(liquidate, d + np.floor(rng.uniform(30, 240, n)), NEVER)
    cancelled = np.where(liquidate, liquidating + np.floor(rng.uniform(180, 540, n)), NEVER)

    span = np.maximum(defaults.distress_to - defaults.distress_from, 1)
    ab_default = defaulted & (rng.random(n) < 0.2)
    ab_scare = (defaults.cause == 3) & (rng.random(n) < 0.1)
    dormant_p = DORMANT_RATE * ctx.horizon / 730 * np.exp(-0.3 * firms.health)
    ab_dormant = ~defaulted & ~firms.lender & (rng.random(n) < dormant_p)
    abnormal = np.select(
        [ab_default, ab_scare, ab_dormant],
        [d + np.floor(rng.uniform(-150, 120, n)),
         defaults.distress_from + np.floor(rng.random(n) * span),
         np.floor(rng.random(n) * h)],
        NEVER,
    )  # fmt: skip
    revoke = (ab_default & (rng.random(n) < 0.4)) | (ab_dormant & (rng.random(n) < 0.35))
    revoked = np.where(revoke, abnormal + np.floor(rng.uniform(180, 400, n)), NEVER)
    revoked = np.where(revoked < cancelled, revoked, NEVER)
    closed = np.minimum(revoked, cancelled)
    closed_kind = np.where(
        closed >= NEVER / 2, 0, np.where(revoked <= cancelled, REVOKED, CANCELLED)
    )
    # A firm struck off before its liquidation starts is never put into liquidation.
    liquidating = np.where(liquidating < closed, liquidating, NEVER)
    status = np.select(
        [(closed < h) & (closed_kind == REVOKED), (closed < h) & (closed_kind == CANCELLED),
         liquidating < h],
        [STATUS_LABELS.index("revoked"), STATUS_LABELS.index("cancelled"),
         STATUS_LABELS.index("liquidating")],
        STATUS_LABELS.index("active"),
    )  # fmt: skip
    reason = rng.integers(0, len(ABNORMAL_REASONS), n)
    return Lifecycle(abnormal, reason, liquidating, closed, closed_kind, np.asarray(status))


def lifecycle_events(firms: Firms, life: Lifecycle) -> list[EventBatch]:
    """business_abnormal and deregistered events."""
    ab = np.flatnonzero(life.abnormal < NEVER / 2)
    closed = np.flatnonzero(life.closed < NEVER / 2)
    kinds = ("", "revoked", "cancelled")
    return [
        EventBatch("business_abnormal", ab, life.abnormal[ab],
                   [{"reason": ABNORMAL_REASONS[r]} for r in life.reason[ab].tolist()]),
        EventBatch("deregistered", closed, life.closed[closed],
                   [{"status": kinds[k]} for k in life.closed_kind[closed].tolist()]),
    ]  # fmt: skip
