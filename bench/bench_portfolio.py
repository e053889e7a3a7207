"""Benchmark: portfolio analytics over 100,000 loans on PostgreSQL, served over HTTP.

    .venv/bin/python bench/bench_portfolio.py [--loans 100000] [--journal-days 30]
        [--url postgres://postgres@127.0.0.1:5432/bench_portfolio] [--runs 5] [--json]

A fresh database (dropped and created at --url) is filled with bulk SQL: 20,000 enterprises in
40 industries and 120 regions, 6,000 guarantee relations (chains of three firms), --loans loans
spread over every status and tier (one in ten overdue, up to ~400 days past due; a few
restructured, written off or closed), twelve month-end snapshots per loan (1.2 million rows:
vintages and roll rates read them), and a journal: the disbursement of every loan, an allowance
for every classified loan, and --journal-days days of accrual postings per loan (two lines
each), so the allowance is summed out of a journal of millions of lines.

The application is then served on that database (`ipcredit serve`, as `make run` does) and a
risk manager, logged in with a second factor, asks for the whole `portfolio` over HTTP: the
first call (cold caches) is timed apart from the median of --runs more, and the CSV export
(`/portfolio.csv`) once. Target: under 1 s each. Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pgdb import recreate  # noqa: E402
from bench.report import Report  # noqa: E402

TARGET_S = 1.0
DAY = date(2026, 6, 30)
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_portfolio"
TIER = """CASE WHEN {d} > 360 THEN 'LOSS' WHEN {d} > 180 THEN 'DOUBTFUL'
              WHEN {d} > 90 THEN 'SUBSTANDARD' WHEN {d} > 0 THEN 'SPECIAL_MENTION'
              ELSE 'NORMAL' END"""
RATE = """CASE {t} WHEN 'SPECIAL_MENTION' THEN 0.02 WHEN 'SUBSTANDARD' THEN 0.25
              WHEN 'DOUBTFUL' THEN 0.5 WHEN 'LOSS' THEN 1 ELSE 0 END"""

WORLD_SQL = [
    """INSERT INTO enterprise (uscc, name, industry, region, high_tech, srdi, status, extra,
              registered, created_at)
       SELECT lpad(g::text, 18, '0'), 'bench firm ' || g, 'I' || (g % 40),
              (340000 + g % 120)::text, true, false, 'ACTIVE', '{}', true, now()
       FROM generate_series(1, 20000) g""",
    """INSERT INTO relation (kind, src, dst, extra)
       SELECT 'guarantee', lpad((3 * g + k)::text, 18, '0'), lpad((3 * g + k + 1)::text, 18, '0'),
              '{}' FROM generate_series(1, 3000) g CROSS JOIN generate_series(0, 1) k""",
    """INSERT INTO user_account (email, password_hash, role, failed_logins, created_at,
              enterprise_admin, verification)
       VALUES ('bench@portfolio.example', 'x', 'APPLICANT', 0, now(), false, 'VERIFIED')""",
    """INSERT INTO loan_application (amount, term_months, status, version, created_at, updated_at,
              created_by_id, enterprise_id, product_id, data_attempts)
       SELECT 100000, 12, 'DISBURSED', 1, now(), now(), (SELECT min(id) FROM user_account),
              1 + g % 20000, (SELECT min(id) FROM loan_product), 0
       FROM generate_series(1, $1::int) g""",
    """INSERT INTO contract (status, path, sha256, signatures, created_at, application_id)
       SELECT 'SIGNED', 'unused.pdf', repeat('0', 64), '[]', now(), id FROM loan_application""",
    f"""INSERT INTO loan (principal, outstanding, annual_rate, repayment_method, status,
              classification, classification_reason, disbursed_at, disbursed_by, enterprise_id,
              contract_id, application_id, closed_through, credit_balance, days_past_due,
              fee_outstanding, interest_outstanding, penalty_outstanding, penalty_surcharge,
              principal_outstanding, restructured, schedule_version, written_off_outstanding)
       SELECT 100000 + a.id % 7 * 10000, 0, 0.0435, 'EQUAL_PRINCIPAL',
              CASE WHEN a.id % 97 = 0 THEN 'WRITTEN_OFF' WHEN a.id % 89 = 0 THEN 'CLOSED'
                   WHEN a.id % 10 = 0 THEN 'OVERDUE' WHEN a.id % 53 = 0 THEN 'RESTRUCTURED'
                   ELSE 'ACTIVE' END,
              {TIER.format(d="d.dpd")}, '',
              ($1::date - (1 + a.id % 720))::timestamp AT TIME ZONE 'UTC', 'bench',
              a.enterprise_id, c.id, a.id, $1::date, 0, d.dpd, 0, 0, 0, 0.5, 0,
              a.id % 53 = 0, 1, 0
       FROM loan_application a JOIN contract c ON c.application_id = a.id
       CROSS JOIN LATERAL (SELECT CASE WHEN a.id % 10 = 0 THEN a.id % 400 + 1 ELSE 0 END
                           AS dpd) d""",
    """UPDATE loan SET principal_outstanding = round(principal * (1 - (id % 12) / 12.0), 2),
              interest_outstanding = round(principal * 0.003, 2)
       WHERE status NOT IN ('CLOSED', 'WRITTEN_OFF')""",
    "UPDATE loan SET outstanding = principal_outstanding + interest_outstanding",
    """INSERT INTO loan_month_end (loan_id, month, status, classification, days_past_due,
              principal_outstanding, outstanding)
       SELECT l.id, (date_trunc('month', $1::date) - (m - 1) * interval '1 month'
                     - interval '1 day')::date,
              CASE WHEN x.dpd > 0 THEN 'OVERDUE' ELSE 'ACTIVE' END, x.tier, x.dpd,
              l.principal_outstanding, l.outstanding
       FROM loan l CROSS JOIN generate_series(1, 12) m
       CROSS JOIN LATERAL (SELECT greatest(l.days_past_due - 30 * (m - 1), 0) AS dpd) y
       CROSS JOIN LATERAL (SELECT y.dpd, """
    + TIER.format(d="y.dpd")
    + """ AS tier) x
       WHERE l.disbursed_at < date_trunc('month', $1::date) - (m - 1) * interval '1 month'""",
    """INSERT INTO journal_entry (loan_id, kind, business_date, posted_at, actor, memo)
       SELECT id, 'DISBURSEMENT', disbursed_at::date, now(), 'bench', '' FROM loan""",
    """INSERT INTO journal_line (entry_id, loan_id, account, debit, credit)
       SELECT e.id, e.loan_id, a.account, CASE WHEN a.dr THEN l.principal ELSE 0 END,
              CASE WHEN a.dr THEN 0 ELSE l.principal END
       FROM journal_entry e JOIN loan l ON l.id = e.loan_id
       CROSS JOIN (VALUES ('1303_LOAN_PRINCIPAL', true), ('1002_SETTLEMENT', false)) a(account, dr)""",
    f"""INSERT INTO journal_entry (loan_id, kind, business_date, posted_at, actor, memo)
       SELECT id, 'PROVISION', $1::date, now(), 'bench', '' FROM loan
       WHERE {RATE.format(t="classification")} > 0 AND status IN
             ('ACTIVE', 'OVERDUE', 'RESTRUCTURED')""",
    f"""INSERT INTO journal_line (entry_id, loan_id, account, debit, credit)
       SELECT e.id, e.loan_id, a.account,
              CASE WHEN a.dr THEN round(l.principal_outstanding * r.rate, 2) ELSE 0 END,
              CASE WHEN a.dr THEN 0 ELSE round(l.principal_outstanding * r.rate, 2) END
       FROM journal_entry e JOIN loan l ON l.id = e.loan_id
       CROSS JOIN LATERAL (SELECT {RATE.format(t="l.classification")} AS rate) r
       CROSS JOIN (VALUES ('6701_PROVISION_EXPENSE', true),
                          ('1304_LOAN_LOSS_ALLOWANCE', false)) a(account, dr)
       WHERE e.kind = 'PROVISION'""",
    # accrual lines without entries of their own per day: the check of the journal's size only
    """INSERT INTO journal_entry (loan_id, kind, business_date, posted_at, actor, memo)
       SELECT id, 'ACCRUAL', $1::date, now(), 'bench', '' FROM loan""",
    """INSERT INTO journal_line (entry_id, loan_id, account, debit, credit)
       SELECT e.id, e.loan_id, a.account, CASE WHEN a.dr THEN 12.08 ELSE 0 END,
              CASE WHEN a.dr THEN 0 ELSE 12.08 END
       FROM journal_entry e CROSS JOIN generate_series(1, $1::int) d
       CROSS JOIN (VALUES ('1132_INTEREST_RECEIVABLE', true), ('6011_INTEREST_INCOME', false))
                  a(account, dr)
       WHERE e.kind = 'ACCRUAL'""",
]


async def build_world(url: str, loans: int, journal_days: int) -> None:
    """Migrate the fresh database and fill it."""
    from db.connection import close_db, init_db
    from domain.products import seed_products

    await init_db(url)
    try:
        await seed_products()
        from tortoise import connections

        conn = connections.get("default")
        params: list[list[Any]] = [[], [], [], [loans], [], [DAY], [], [], [DAY], [], [],
                                   [DAY], [], [DAY], [journal_days]]  # fmt: skip
        for sql, values in zip(WORLD_SQL, params, strict=True):
            await conn.execute_query(sql, values or None)
        await conn.execute_query("ANALYZE")
    finally:
        await close_db()


PORTFOLIO = """{ portfolio { asOf snapshot loans principal outstanding
  par { days principal ratio } nplPrincipal nplRatio provisions coverage
  tiers { key detail loans principal share }
  vintages { cohort monthEnd monthsOnBook disbursed bad share }
  rollFrom rollTo rollRates { fromTier toTier loans principal rate }
  byIndustry { key detail loans principal share } byRegion { key detail loans principal share }
  byGuaranteeGroup { key detail loans principal share } } }"""
RISK_EMAIL = "risk@bench.example"
RISK_PASSWORD = "bench-portfolio-password-7"


def measure(url: str, runs: int) -> dict[str, Any]:
    """Served: `ipcredit serve` on the database, a risk manager logged in (second factor
    enrolled), then the seconds of the first `portfolio` query over HTTP, the median of `runs`
    more, and the CSV export from `/portfolio.csv`."""
    from bench.served import Server, World

    os.environ["BENCH_DATABASE_URL"] = url
    world = World.at(enterprises=0, name="portfolio")
    world.root.mkdir(parents=True, exist_ok=True)
    world.cli("user", "create", "--role", "RISK_MANAGER", "--email", RISK_EMAIL,
              "--password-stdin", stdin=RISK_PASSWORD + "\n")  # fmt: skip
    server = Server.start(world, ready_timeout_s=300)
    try:
        token = server.login(RISK_EMAIL, RISK_PASSWORD)
        started = time.perf_counter()
        first = server.graphql(PORTFOLIO, token=token)["portfolio"]
        cold = time.perf_counter() - started
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            server.graphql(PORTFOLIO, token=token)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        response = server.client.get(
            f"{server.url}/portfolio.csv", headers={"Authorization": f"Bearer {token}"}
        )
        csv_s = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"/portfolio.csv answered {response.status_code}")
    finally:
        server.stop()
    lines = asyncio.run(_count_in(url, "SELECT COUNT(*) AS n FROM journal_line"))
    return {"cold": cold, "median": statistics.median(times), "csv": csv_s,
            "csv_rows": len(response.text.splitlines()), "loans": first["loans"],
            "lines": lines, "npl_ratio": first["nplRatio"], "provisions": first["provisions"],
            "vintages": len(first["vintages"]), "rolls": len(first["rollRates"]),
            "groups": len(first["byGuaranteeGroup"])}  # fmt: skip


async def _count_in(url: str, sql: str) -> int:
    from db.connection import close_db, init_db

    await init_db(url, create_schema=False)
    try:
        return await _count(sql)
    finally:
        await close_db()


async def _count(sql: str) -> int:
    from tortoise import connections

    return int((await connections.get("default").execute_query_dict(sql))[0]["n"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--journal-days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    asyncio.run(recreate(args.url))
    started = time.perf_counter()
    asyncio.run(build_world(args.url, args.loans, args.journal_days))
    print(f"world: {args.loans:,} loans in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    found = measure(args.url, args.runs)
    print(found, file=sys.stderr)
    report = Report("portfolio")
    label = f"{args.loans:,} loans, {found['lines']:,} journal lines"
    report.figure(f"portfolio, first call ({label})", found["cold"], "s", target=TARGET_S)
    report.figure(f"portfolio, median of {args.runs}", found["median"], "s", target=TARGET_S)
    report.figure("CSV export", found["csv"], "s", target=TARGET_S)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
