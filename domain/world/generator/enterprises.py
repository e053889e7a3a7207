"""Enterprises: registration facts (USCC, name, industry, region, size) and their latent traits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64, B, round_to, segments, sigmoid
from domain.world.generator.reference import (
    BRAND_CHARS,
    COMPANY_FORMS,
    INDUSTRIES,
    LENDER_KINDS,
    PROVINCE_NAMES,
    REGIONS,
)
from domain.world.generator.tables import Col, Table, table
from domain.world.generator.timeline import Ctx
from domain.world.uscc import ALPHABET, ORG_WEIGHTS, WEIGHTS

INDUSTRY_LABELS = [i.code for i in INDUSTRIES] + ["J66", "J69"]
REGION_LABELS = [r.code for r in REGIONS]
STATUS_LABELS = ["active", "revoked", "cancelled", "liquidating"]
MA_START = np.datetime64("2015-10-01")  # organisation codes from then on start with "MA"
# banks holding enterprises' basic settlement accounts (基本存款账户), with a rough share
SETTLEMENT_BANKS = (
    ("中国工商银行", 0.22), ("中国建设银行", 0.18), ("中国农业银行", 0.14), ("中国银行", 0.12),
    ("交通银行", 0.07), ("招商银行", 0.07), ("徽商银行", 0.08), ("兴业银行", 0.04),
    ("合肥科技农村商业银行", 0.05), ("中国邮政储蓄银行", 0.03),
)  # fmt: skip
MOBILE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153,
                            155, 156, 157, 158, 159, 166, 176, 177, 180, 181, 182, 183, 186,
                            187, 188, 189, 191, 198, 199])  # fmt: skip


@dataclass
class Firms:
    """Every enterprise as arrays indexed by firm number; lenders come last.

    Latent traits (never written): size, tech (innovativeness) and health, each roughly N(0, 1).
    """

    n: int
    lender: B
    lender_kind: I64  # index into LENDER_KINDS, -1 for ordinary firms
    uscc: list[str]
    name: list[str]
    industry: I64  # index into INDUSTRY_LABELS
    region: I64  # index into REGIONS
    city: I64  # index of the region's city (first four digits of the code)
    founded: I64  # day offset (negative: before S)
    age: F64  # years at S
    size: F64
    tech: F64
    health: F64
    employees: I64
    capital: F64
    high_tech: B
    srdi: B

    @property
    def sme(self) -> I64:
        """Indices of ordinary (non-lender) firms."""
        return np.flatnonzero(~self.lender)


def _uscc(rng: np.random.Generator, region: I64, founded64: np.ndarray) -> list[str]:
    """Random, unique, valid codes: '91' + region + organisation code (+ its check) + check."""
    n = len(region)
    alphabet = np.array(list(ALPHABET))
    # GB 11714 values of the alphabet's characters (digits 0-9, letters A=10 .. Z=35).
    org_val = np.array([int(c, 36) for c in ALPHABET])
    usc_val = np.arange(31)
    codes = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    while len(todo):
        m = len(todo)
        org = rng.integers(0, 10, size=(m, 8))
        ma = founded64[todo] >= MA_START
        org[ma, 0], org[ma, 1] = ALPHABET.index("M"), ALPHABET.index("A")
        org[ma, 2:] = rng.integers(0, 31, size=(int(ma.sum()), 6))
        c9 = 11 - (org_val[org] * np.array(ORG_WEIGHTS)).sum(axis=1) % 11
        check9 = np.where(c9 == 10, ALPHABET.index("X"), np.where(c9 == 11, 0, c9))
        prefix = np.array(
            [[9, 1] + [int(ch) for ch in REGIONS[r].code] for r in range(len(REGIONS))]
        )
        first17 = np.concatenate([prefix[region[todo]], org, check9[:, None]], axis=1)
        total = (usc_val[first17] * np.array(WEIGHTS)).sum(axis=1)
        check = (31 - total % 31) % 31
        chars = alphabet[np.concatenate([first17, check[:, None]], axis=1)]
        text = chars.view("<U18").ravel().tolist()
        retry = []
        for i, code in zip(todo.tolist(), text, strict=True):
            if code in seen:
                retry.append(i)
            else:
                seen.add(code)
                codes[i] = code
        todo = np.array(retry, dtype=np.int64)
    return list(codes)


def _names(rng: np.random.Generator, firms_industry: I64, region: I64, capital: F64) -> list[str]:
    """Unique names like 合肥华芯电子科技有限公司; lenders are named separately."""
    brands = np.array(list(BRAND_CHARS))
    n = len(region)
    names: list[str] = [""] * n
    seen: set[str] = set()
    todo = np.arange(n)
    attempt = 0
    while len(todo):
        m = len(todo)
        a = rng.integers(0, len(brands), m)
        b = (a + rng.integers(1, len(brands), m)) % len(brands)
        third = rng.random(m) < min(0.9, 0.05 * attempt)  # three-character brands on retries
        c = rng.integers(0, len(brands), m)
        form = rng.integers(0, len(COMPANY_FORMS), m)
        word = rng.random(m)
        province_prefix = (rng.random(m) < 0.3) & (capital[todo] >= 1e7)
        retry = []
        for k, i in enumerate(todo.tolist()):
            reg = REGIONS[region[i]]
            place = PROVINCE_NAMES[reg.province] if province_prefix[k] else reg.city[:-1]
            ind = INDUSTRIES[firms_industry[i]]
            w = ind.words[int(word[k] * len(ind.words))]
            tail = "" if w.endswith(("科技", "技术", "研究院", "药业", "化工")) else "科技"
            brand = brands[a[k]] + brands[b[k]] + (brands[c[k]] if third[k] else "")
            nm = f"{place}{brand}{w}{tail}{COMPANY_FORMS[form[k]]}"
            if nm in seen:
                retry.append(i)
            else:
                seen.add(nm)
                names[i] = nm
        todo = np.array(retry, dtype=np.int64)
        attempt += 1
    return names


def make_firms(ctx: Ctx, n: int) -> Firms:
    """Draw `n` enterprises: mostly tech SMEs, plus a few banks and guarantee companies."""
    rng = ctx.rng("enterprises")
    n_lenders = max(2, round(n * 0.004)) if n >= 10 else 1
    n_sme = n - n_lenders
    lender = np.r_[np.zeros(n_sme, bool), np.ones(n_lenders, bool)]
    weights = np.array([r.weight for r in REGIONS])
    region = rng.choice(len(REGIONS), size=n, p=weights / weights.sum())
    city_codes = np.array([int(r.code[:4]) for r in REGIONS])
    _, city = np.unique(city_codes[region], return_inverse=True)
    ind_w = np.array([i.weight for i in INDUSTRIES])
    industry = rng.choice(len(INDUSTRIES), size=n, p=ind_w / ind_w.sum())
    lk_w = np.array([k[2] for k in LENDER_KINDS])
    lender_kind = np.full(n, -1, dtype=np.int64)
    lender_kind[n_sme:] = rng.choice(len(LENDER_KINDS), size=n_lenders, p=lk_w / lk_w.sum())
    industry[n_sme:] = np.where(
        np.array([LENDER_KINDS[k][0] for k in lender_kind[n_sme:]]) == "J66",
        len(INDUSTRIES),
        len(INDUSTRIES) + 1,
    )

    age = np.minimum(35.0, 0.25 + rng.gamma(1.6, 5.0, n))
    age[n_sme:] = 5 + rng.gamma(3.0, 5.0, n_lenders)
    founded = -np.round(age * 365.25).astype(np.int64)
    log_age = np.log(age)
    std_age = (log_age - 1.7) / 0.85
    size = 0.3 * std_age + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    tech_shift = np.array([0.4 * (i.patent_intensity - 1.0) for i in INDUSTRIES] + [-3.0, -3.0])
    tech = rng.standard_normal(n) + tech_shift[industry]
    health = 0.3 * std_age + np.sqrt(1 - 0.09) * rng.standard_normal(n)

    tail = 0.15 * np.maximum(size, 0) ** 2  # a few firms with thousands of staff
    employees = np.clip(np.round(np.exp(2.6 + size + tail + 0.2 * rng.standard_normal(n))), 3, 3e4)
    employees[n_sme:] = np.round(np.exp(4.0 + 0.8 * rng.standard_normal(n_lenders)))
    capital = np.exp(np.log(1e6) + 0.9 * size + 0.6 * rng.standard_normal(n))
    capital = np.where(capital > 1e7, round_to(capital, 1e6), round_to(capital, 1e5))
    capital[n_sme:] = round_to(np.exp(np.log(3e8) + 0.7 * rng.standard_normal(n_lenders)), 1e7)

    p_ht = sigmoid(-1.6 + 1.3 * tech + 0.4 * size + 0.3 * health) * (age >= 1)
    high_tech = (rng.random(n) < p_ht) & ~lender
    p_srdi = sigmoid(-2.4 + 0.9 * tech + 0.5 * health + 0.3 * size) * (employees < 1000)
    srdi = (rng.random(n) < p_srdi) & ~lender

    founded64 = ctx.s64 + founded
    uscc = _uscc(rng, region, founded64)
    names = _names(rng, industry[:n_sme], region[:n_sme], capital[:n_sme])
    names += _lender_names(rng, lender_kind[n_sme:], region[n_sme:], set(names))
    return Firms(
        n=n, lender=lender, lender_kind=lender_kind, uscc=uscc, name=names,
        industry=industry, region=region, city=np.asarray(city, dtype=np.int64),
        founded=founded, age=age, size=size, tech=tech, health=health,
        employees=employees.astype(np.int64), capital=capital, high_tech=high_tech, srdi=srdi,
    )  # fmt: skip


def _lender_names(rng: np.random.Generator, kinds: I64, region: I64, taken: set[str]) -> list[str]:
    brands = list(BRAND_CHARS)
    out = []
    for k, r in zip(kinds.tolist(), region.tolist(), strict=True):
        template = LENDER_KINDS[k][1]
        city = REGIONS[r].city[:-1]
        while True:
            brand = "".join(rng.choice(brands, 2).tolist())
            nm = template.format(city=city, brand=brand)
            if nm not in taken:
                break
            if "{brand}" not in template:
                template = "{city}{brand}农村商业银行股份有限公司"
        taken.add(nm)
        out.append(nm)
    return out


def settlement_accounts(ctx: Ctx, n: int) -> tuple[list[dict[str, str]], list[str]]:
    """Each firm's basic settlement account on record and its legal representative's mobile
    number (a stream of their own: the other stages draw as before)."""
    rng = ctx.rng("accounts")
    shares = np.array([w for _, w in SETTLEMENT_BANKS])
    bank = rng.choice(len(SETTLEMENT_BANKS), size=n, p=shares / shares.sum()).tolist()
    head = rng.integers(0, 10**9, n).tolist()
    tail = rng.integers(0, 10**10, n).tolist()
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)].tolist()
    line = rng.integers(0, 10**8, n).tolist()
    accounts = [
        {"bank": SETTLEMENT_BANKS[b][0], "account": f"{h:09d}{t:010d}"}
        for b, h, t in zip(bank, head, tail, strict=True)
    ]
    return accounts, [f"{p}{x:08d}" for p, x in zip(prefix, line, strict=True)]


def enterprise_table(ctx: Ctx, firms: Firms, status: I64) -> Table:
    """enterprises.jsonl: registration facts, `status` as at the end of the timeline, and the
    settlement account and legal representative's contact on record."""
    accounts, contacts = settlement_accounts(ctx, firms.n)
    return table(
        Col("uscc", "str", firms.uscc),
        Col("name", "str", firms.name),
        Col("founded_on", "date", ctx.dates(firms.founded)),
        Col("registered_capital", "float", firms.capital),
        Col("industry", "cat", firms.industry, INDUSTRY_LABELS),
        Col("region", "cat", firms.region, REGION_LABELS),
        Col("employees", "int", firms.employees),
        Col("high_tech", "bool", firms.high_tech),
        Col("srdi", "bool", firms.srdi),
        Col("status", "cat", status, STATUS_LABELS),
        Col("settlement_account", "json", accounts),
        Col("legal_rep_contact", "str", np.asarray(contacts, dtype=object)),
    )


def pick_lender(rng: np.random.Generator, firms: Firms, city: I64, kind: str = "J66") -> I64:
    """A lender of the given industry for each entry, from the same city when there is one."""
    cand = np.flatnonzero(firms.lender & (firms.industry == INDUSTRY_LABELS.index(kind)))
    if len(cand) == 0:
        cand = np.flatnonzero(firms.lender)
    cand = cand[np.argsort(firms.city[cand], kind="stable")]
    n_cities = int(firms.city.max()) + 1
    starts, ends = segments(firms.city[cand], n_cities)
    count = (ends - starts)[city]
    local = starts[city] + np.floor(rng.random(len(city)) * np.maximum(count, 1)).astype(np.int64)
    anywhere = rng.integers(0, len(cand), len(city))
    return np.asarray(cand[np.where(count > 0, local, anywhere)], dtype=np.int64)
