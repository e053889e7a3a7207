"""Patents: portfolios, bibliographic facts and the citation network.

Legal status, transfers and prices are settled later (patent_status), once litigation is
known, because infringement cases can end in invalidation.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

import numpy as np

from domain.world.generator.arrays import F64, I64, B, pick, unique_ints
from domain.world.generator.defaults import Defaults
from domain.world.generator.enterprises import Firms
from domain.world.generator.reference import (
    INDUSTRIES,
    INVENTION_SUFFIXES,
    IPC_FIELDS,
    TITLE_ADJECTIVES,
    UTILITY_SUFFIXES,
)
from domain.world.generator.timeline import NEVER, Ctx

INVENTION, UTILITY, DESIGN = 0, 1, 2
KINDS = ["invention", "utility_model", "design"]
FIELDS = list(IPC_FIELDS)
SUBGROUPS = ("00", "02", "04", "06", "08", "10", "12", "14", "16", "18", "20", "24", "28", "32")
GRANT_LAG_MEDIAN = np.array([760.0, 210.0, 150.0])  # days, by kind
GRANT_LAG_SIGMA = np.array([0.28, 0.35, 0.35])
CITES_PER_KIND = np.array([3.6, 1.4, 0.0])
PA_EXPONENT = 0.65
AGING_DAYS = 1500.0
CROSS_FIELD = 0.15  # share of citations outside the citing patent's field


def _ipc_labels() -> tuple[list[str], I64, I64]:
    labels: list[str] = []
    offset, n_groups = [], []
    for sub, (groups, _) in IPC_FIELDS.items():
        offset.append(len(labels))
        n_groups.append(len(groups))
        labels += [f"{sub}{g}/{sg}" for g in groups for sg in SUBGROUPS]
    return labels, np.array(offset), np.array(n_groups)


def _title_labels() -> tuple[list[str], I64, I64]:
    """Titles by (field, kind, object, adjective, suffix) in one flat label list."""
    labels: list[str] = []
    offset = np.zeros((len(FIELDS), 3), dtype=np.int64)
    n_objects = np.zeros(len(FIELDS), dtype=np.int64)
    for f, (_, objects) in enumerate(IPC_FIELDS.values()):
        n_objects[f] = len(objects)
        for kind in range(3):
            offset[f, kind] = len(labels)
            for obj in objects:
                for adj in TITLE_ADJECTIVES:
                    if kind == INVENTION:
                        labels += [f"一种{adj}{obj}{s}" for s in INVENTION_SUFFIXES]
                    elif kind == UTILITY:
                        labels += [f"一种{adj}{obj}{s}" for s in UTILITY_SUFFIXES]
                    else:
                        labels += [obj] + [f"{obj}（{s}）" for s in ("A型", "B型", "Pro", "Mini")]
    return labels, offset, n_objects


IPC_LABELS, IPC_OFFSET, IPC_GROUPS = _ipc_labels()
TITLE_LABELS, TITLE_OFFSET, TITLE_OBJECTS = _title_labels()
N_SUFFIX = np.array([len(INVENTION_SUFFIXES), len(UTILITY_SUFFIXES), 5])


@dataclass
class Patents:
    """Every patent as arrays; days are offsets from S, NEVER when the event never happens."""

    applicant: I64
    owner: I64  # owner at the end of the timeline
    kind: I64
    field: I64
    ipc: I64
    title: I64
    filed: I64
    granted: F64
    quality: F64
    claims: I64
    independent: I64
    inventors: I64
    family: I64
    expiry: F64
    citing: I64  # citation pairs: citing -> cited, indices into the patents
    cited: I64
    invalidated: F64  # day of invalidation (set by litigation or chance)
    lapsed: F64 = dc_field(default_factory=lambda: np.zeros(0))
    paid_through: F64 = dc_field(default_factory=lambda: np.zeros(0))
    status: I64 = dc_field(default_factory=lambda: np.zeros(0, np.int64))
    transfers: I64 = dc_field(default_factory=lambda: np.zeros(0, np.int64))
    licenses: I64 = dc_field(default_factory=lambda: np.zeros(0, np.int64))
    pledged: B = dc_field(default_factory=lambda: np.zeros(0, bool))
    price: F64 = dc_field(default_factory=lambda: np.zeros(0))
    sold: F64 = dc_field(default_factory=lambda: np.zeros(0))  # day of a sale during the timeline
    seller: I64 = dc_field(default_factory=lambda: np.zeros(0, np.int64))
    fire_sale: B = dc_field(default_factory=lambda: np.zeros(0, bool))
    number: list[str] | None = None

    def __len__(self) -> int:
        return len(self.applicant)


def _counts(rng: np.random.Generator, firms: Firms) -> I64:
    """Heavy-tailed portfolio sizes: most firms hold a handful, a few hold hundreds."""
    intensity = np.array([i.patent_intensity for i in INDUSTRIES] + [0.0, 0.0])
    lam = np.exp(0.15 + 1.0 * firms.tech + 0.45 * firms.size + 0.6 * np.log(firms.age + 0.5))
    lam *= intensity[firms.industry] * np.exp(0.8 * rng.standard_normal(firms.n) - 0.32)
    return np.asarray(np.minimum(rng.poisson(np.minimum(lam, 5000)), 3000), dtype=np.int64)


def make_patents(ctx: Ctx, firms: Firms, defaults: Defaults) -> Patents:
    """Draw portfolios, bibliographic facts, grant dates and citations."""
    rng = ctx.rng("patents")
    app, ind, filed = _filings(ctx, rng, firms, defaults)
    m = len(app)
    tech = firms.tech[app]
    mix = np.array([i.kind_mix for i in INDUSTRIES])[ind]
    mix[:, INVENTION] *= np.exp(0.35 * tech)
    kind = pick(rng, mix / mix.sum(axis=1, keepdims=True))
    field = _fields(rng, firms, app, ind)
    quality = rng.standard_normal(m) + 0.35 * tech
    claims, independent, inventors, family = _claims_and_family(rng, kind, quality, tech)
    granted, expiry = _grant_and_expiry(ctx, rng, kind, filed)
    ipc, title = _ipc_and_title(rng, kind, field)
    citing, cited = _citations(rng, kind, field, filed, granted, quality, ctx.horizon)
    return Patents(
        applicant=app, owner=app.copy(), kind=kind, field=field, ipc=ipc, title=title,
        filed=filed, granted=granted, quality=quality, claims=claims, independent=independent,
        inventors=inventors, family=family, expiry=expiry.astype(np.float64), citing=citing,
        cited=cited, invalidated=np.full(m, NEVER),
    )  # fmt: skip


def _filings(
    ctx: Ctx, rng: np.random.Generator, firms: Firms, defaults: Defaults
) -> tuple[I64, I64, I64]:
    """Applicant, its industry and filing day of each patent."""
    counts = _counts(rng, firms)
    app = np.repeat(np.arange(firms.n), counts)
    m = len(app)
    ind = firms.industry[app]
    lo = np.maximum(firms.founded[app] + 30, -25 * 365)
    filed = np.floor(lo + rng.random(m) ** 0.7 * (ctx.horizon - 1 - lo)).astype(np.int64)
    # Firms in trouble file less, and nothing after default.
    d_from, d_day = defaults.distress_from[app], defaults.day[app]
    keep = ~((filed >= d_from) & (rng.random(m) < 0.7)) & (filed < d_day)
    return app[keep], ind[keep], filed[keep]


def _fields(rng: np.random.Generator, firms: Firms, app: I64, ind: I64) -> I64:
    """The IPC field of each patent: a firm works mostly in one primary field of its industry."""
    ind_fields = [[FIELDS.index(c) for c in i.ipc] for i in INDUSTRIES]
    width = max(len(f) for f in ind_fields)
    table_f = np.array([f + [f[0]] * (width - len(f)) for f in ind_fields])
    table_w = np.array([[1.0 / (r + 1) ** 0.8 if r < len(f) else 0.0 for r in range(width)]
                        for f in ind_fields])  # fmt: skip
    firm_ind = np.minimum(firms.industry, len(INDUSTRIES) - 1)
    primary = pick(rng, table_w[firm_ind])[app]
    other = pick(rng, table_w[ind])
    slot = np.where(rng.random(len(app)) < 0.6, primary, other)
    return np.asarray(table_f[ind, slot], dtype=np.int64)


def _claims_and_family(
    rng: np.random.Generator, kind: I64, quality: F64, tech: F64
) -> tuple[I64, I64, I64, I64]:
    """Claims, independent claims, inventors and family size of each patent."""
    m = len(kind)
    claims = np.where(
        kind == INVENTION,
        1 + rng.negative_binomial(3, 3 / (3 + np.exp(1.95 + 0.25 * quality))),
        np.where(kind == UTILITY, 1 + rng.poisson(np.exp(1.45 + 0.2 * quality)), 1),
    )
    independent = np.where(
        kind == DESIGN, 1, 1 + rng.binomial(np.minimum(claims - 1, 3), 0.12 + 0.05 * (quality > 1))
    )
    inventors = 1 + rng.poisson(np.array([2.4, 1.6, 0.8])[kind] * np.exp(0.15 * quality))
    fam_rate = np.where(kind == INVENTION, np.exp(-2.0 + 0.7 * quality + 0.3 * tech), 0.0)
    family = 1 + rng.poisson(fam_rate) + ((kind == UTILITY) & (rng.random(m) < 0.05))
    return claims, independent, inventors, family


def _grant_and_expiry(ctx: Ctx, rng: np.random.Generator, kind: I64, filed: I64) -> tuple[F64, F64]:
    """Grant day (NEVER when after the timeline) and expiry day of each patent."""
    lag = GRANT_LAG_MEDIAN[kind] * np.exp(GRANT_LAG_SIGMA[kind] * rng.standard_normal(len(kind)))
    granted = filed + np.floor(lag)
    granted = np.where(granted < ctx.horizon, granted, NEVER)
    reform = ctx.day_of(2021, 6, 1)
    term = np.where(
        kind == INVENTION, 20, np.where(kind == UTILITY, 10, 10 + 5 * (filed >= reform))
    )
    expiry = filed + np.floor(term * 365.25)
    return granted, np.asarray(expiry, dtype=np.float64)


def _ipc_and_title(rng: np.random.Generator, kind: I64, field: I64) -> tuple[I64, I64]:
    """Codes into IPC_LABELS and TITLE_LABELS for each patent, within its field."""
    m = len(kind)
    groups = IPC_GROUPS[field]
    ipc = IPC_OFFSET[field] + (
        rng.integers(0, 1 << 30, m) % groups * len(SUBGROUPS) + rng.integers(0, len(SUBGROUPS), m)
    )
    n_adj = len(TITLE_ADJECTIVES)
    obj = rng.integers(0, 1 << 30, m) % TITLE_OBJECTS[field]
    title = (
        TITLE_OFFSET[field, kind]
        + (obj * n_adj + rng.integers(0, n_adj, m)) * N_SUFFIX[kind]
        + rng.integers(0, 1 << 30, m) % N_SUFFIX[kind]
    )
    return ipc, title


def _citations(
    rng: np.random.Generator, kind: I64, field: I64, filed: I64, granted: F64, quality: F64,
    horizon: int,
) -> tuple[I64, I64]:  # fmt: skip
    """Backward citations to earlier patents, mostly in the same field, by preferential
    attachment: a patent is cited in proportion to
    (1 + citations so far) ** PA_EXPONENT * exp(0.6 quality) * exp(-age / AGING_DAYS)."""
    m = len(kind)
    if m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    published = (granted < horizon) | (kind == INVENTION)
    n_refs = np.where(published, rng.poisson(CITES_PER_KIND[kind] * np.exp(0.2 * quality)), 0)
    by_field = np.lexsort((filed, field))
    key_field = field[by_field] * 100_000 + (filed[by_field] + 50_000)
    by_date = np.argsort(filed, kind="stable")
    date_sorted = filed[by_date]
    indeg = np.zeros(m)
    base = np.exp(0.6 * quality)
    years = filed // 365
    out_src: list[np.ndarray] = []
    out_dst: list[np.ndarray] = []
    for y in np.unique(years[n_refs > 0]).tolist():
        who = np.flatnonzero((years == y) & (n_refs > 0))
        src = np.repeat(who, n_refs[who])
        t = filed[src]
        age = np.maximum(y * 365 - filed, 0)
        weight = (1.0 + indeg) ** PA_EXPONENT * base * np.exp(-age / AGING_DAYS)
        cross = rng.random(len(src)) < CROSS_FIELD
        # Same field: patents of the field filed before the citing one.
        cum_f = np.cumsum(weight[by_field])
        lo = np.searchsorted(key_field, field[src] * 100_000, "left")
        hi = np.searchsorted(key_field, field[src] * 100_000 + (t + 50_000), "left")
        # Any field: everything filed before.
        cum_d = np.cumsum(weight[by_date])
        hi_d = np.searchsorted(date_sorted, t, "left")
        lo = np.where(cross, 0, lo)
        hi = np.where(cross, hi_d, hi)
        ok = hi > lo
        base_lo = np.where(
            cross, np.where(lo > 0, cum_d[np.maximum(lo - 1, 0)], 0.0),
            np.where(lo > 0, cum_f[np.maximum(lo - 1, 0)], 0.0),
        )  # fmt: skip
        base_hi = np.where(cross, cum_d[np.maximum(hi - 1, 0)], cum_f[np.maximum(hi - 1, 0)])
        u = base_lo + rng.random(len(src)) * (base_hi - base_lo)
        pos_f = np.minimum(np.searchsorted(cum_f, u, "right"), m - 1)
        pos_d = np.minimum(np.searchsorted(cum_d, u, "right"), m - 1)
        pos = np.clip(np.where(cross, pos_d, pos_f), lo, np.maximum(hi - 1, lo))
        dst = np.where(cross, by_date[pos], by_field[pos])
        src, dst = src[ok], dst[ok]
        out_src.append(src)
        out_dst.append(dst)
        indeg += np.bincount(dst, minlength=m)
    if not out_src:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    src = np.concatenate(out_src)
    dst = np.concatenate(out_dst)
    ok = (src != dst) & (filed[dst] < filed[src])
    pairs = unique_ints(src[ok] * m + dst[ok])
    return np.asarray(pairs // m, dtype=np.int64), np.asarray(pairs % m, dtype=np.int64)
