"""Benchmark: the end-of-day batch over 100,000 loans on PostgreSQL with two worker processes.

    .venv/bin/python bench/bench_close_day.py [--loans 100000] [--workers 2] [--chunk 1000]
        [--url postgres://postgres@127.0.0.1:5432/bench_close_day] [--json]

A fresh database (dropped and created at --url) is filled with bulk SQL: --loans loans of
120,000.00 at 4.35 % over 12 monthly installments (equal principal), paid out over the 330 days
before the business date and closed through the day before. Every tenth loan has paid nothing
(OVERDUE, up to ~300 days past due, every tier); one in a hundred misses the installment due on
the business date itself (it falls overdue tonight: a status move and an overdue event); the
rest pay on time. The ledger opens with one entry per loan holding its balances, so the
loans' cached balances agree with it.

Two days are closed and timed, each from the fan-out to the day marked DONE: the first (where
every overdue loan's allowance is charged for the first time) and the next (a steady day). The
worker processes are started and connected before the clock starts, as a running fleet of
workers would be; each takes chunks from a shared queue and closes them, one transaction each
(`domain.loanbook.eod.close_chunk`) - what the `close_loan_chunk` actor does on a broker.
Target: each day under 60 s. The ledger check then proves every loan's cached balances equal
its ledger. Exits 1 on a miss or a ledger that does not agree.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pgdb import recreate  # noqa: E402
from bench.report import Report  # noqa: E402

TARGET_S = 60.0
DAY = date(2026, 6, 15)
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_close_day"

WORLD_SQL = [
    """INSERT INTO enterprise (uscc, name, high_tech, srdi, status, extra, registered, created_at)
       SELECT lpad(g::text, 18, '0'), 'bench firm ' || g, true, false, 'ACTIVE', '{}', true,
              now() FROM generate_series(1, 1000) g""",
    """INSERT INTO user_account (email, password_hash, role, failed_logins, created_at,
              enterprise_admin, verification)
       VALUES ('bench@close-day.example', 'x', 'APPLICANT', 0, now(), false, 'VERIFIED')""",
    """INSERT INTO loan_application (amount, term_months, status, version, created_at, updated_at,
              created_by_id, enterprise_id, product_id, data_attempts)
       SELECT 120000, 12, 'DISBURSED', 1, now(), now(),
              (SELECT min(id) FROM user_account), 1 + g % 1000,
              (SELECT min(id) FROM loan_product), 0 FROM generate_series(1, $1::int) g""",
    """INSERT INTO contract (status, path, sha256, signatures, created_at, application_id)
       SELECT 'SIGNED', 'unused.pdf', repeat('0', 64), '[]', now(), id FROM loan_application""",
    """INSERT INTO loan (principal, outstanding, annual_rate, repayment_method, status,
              classification, classification_reason, disbursed_at, disbursed_by, enterprise_id,
              contract_id, application_id, closed_through, credit_balance, days_past_due,
              fee_outstanding, interest_outstanding, penalty_outstanding, penalty_surcharge,
              principal_outstanding, restructured, schedule_version, written_off_outstanding)
       SELECT 120000, 0, 0.0435, 'EQUAL_PRINCIPAL', 'ACTIVE', 'NORMAL', '',
              ($2::date - (1 + a.id % 330))::timestamp AT TIME ZONE 'UTC' + interval '9 hours',
              'bench', a.enterprise_id, c.id, a.id, $2::date - 1, 0, 0, 0, 0, 0, 0.5, 0, false,
              1, 0
       FROM loan_application a JOIN contract c ON c.application_id = a.id
       WHERE a.id <= $1::int""",
    # every tenth loan pays nothing; one in a hundred misses only the installment due today
    """INSERT INTO installment (loan_id, version, number, starts_on, due_on, principal, interest,
              accrued_interest, paid_principal, paid_interest, paid_at)
       SELECT l.id, 1, k, s.starts_on, s.due_on, 10000, s.interest,
              CASE WHEN s.due_on <= $1::date THEN s.interest ELSE 0 END,
              CASE WHEN s.paid THEN 10000 ELSE 0 END, CASE WHEN s.paid THEN s.interest ELSE 0 END,
              CASE WHEN s.paid THEN s.due_on::timestamp AT TIME ZONE 'UTC' END
       FROM loan l CROSS JOIN generate_series(1, 12) k
       CROSS JOIN LATERAL (SELECT (l.disbursed_at::date + (k - 1) * interval '1 month')::date
                                  AS starts_on,
                                  (l.disbursed_at::date + k * interval '1 month')::date AS due_on,
                                  round((120000 - (k - 1) * 10000) * 0.0435 / 12, 2) AS interest
                          ) AS r
       CROSS JOIN LATERAL (SELECT r.starts_on, r.due_on, r.interest,
                                  l.id % 10 <> 0 AND (r.due_on < $1::date OR
                                  (r.due_on = $1::date AND l.id % 100 <> 1)) AS paid) AS s""",
    """UPDATE loan l SET principal_outstanding = 120000 - t.paid,
              interest_outstanding = t.accrued - t.paid_interest,
              outstanding = 120000 - t.paid + t.accrued - t.paid_interest,
              days_past_due = coalesce($1::date - t.first_late, 0)
       FROM (SELECT loan_id, sum(paid_principal) AS paid, sum(accrued_interest) AS accrued,
                    sum(paid_interest) AS paid_interest,
                    min(due_on) FILTER (WHERE paid_at IS NULL AND due_on < $1::date) AS first_late
             FROM installment GROUP BY loan_id) t WHERE t.loan_id = l.id""",
    """UPDATE loan SET status = 'OVERDUE',
              classification = CASE WHEN days_past_due > 360 THEN 'LOSS'
                                    WHEN days_past_due > 180 THEN 'DOUBTFUL'
                                    WHEN days_past_due > 90 THEN 'SUBSTANDARD'
                                    ELSE 'SPECIAL_MENTION' END
       WHERE days_past_due > 0""",
    # opening balances in the ledger, so the loans' cached balances agree with it
    """INSERT INTO journal_entry (loan_id, kind, business_date, posted_at, actor, memo, key)
       SELECT id, 'DISBURSEMENT', disbursed_at::date, now(), 'bench', 'opening balances',
              'opening:' || id FROM loan""",
    """INSERT INTO journal_line (entry_id, loan_id, account, debit, credit)
       SELECT e.id, e.loan_id, x.account, x.debit, x.credit
       FROM journal_entry e JOIN loan l ON l.id = e.loan_id
       CROSS JOIN LATERAL (VALUES ('1303_LOAN_PRINCIPAL', l.principal_outstanding, 0),
                                  ('1132_INTEREST_RECEIVABLE', l.interest_outstanding, 0),
                                  ('1002_SETTLEMENT', 0, l.outstanding))
            AS x(account, debit, credit)
       WHERE x.debit > 0 OR x.credit > 0""",
]


async def build_world(url: str, loans: int) -> None:
    """Migrate the fresh database and fill it."""
    from db.connection import close_db, init_db
    from domain.products import seed_products

    await init_db(url)
    try:
        await seed_products()
        from tortoise import connections

        conn = connections.get("default")
        params: list[list[Any]] = [[], [], [loans], [], [loans, DAY], [DAY], [DAY], [], [], []]
        for sql, values in zip(WORLD_SQL, params, strict=True):
            await conn.execute_query(sql, values or None)
        await conn.execute_query("VACUUM ANALYZE")
    finally:
        await close_db()


def worker(url: str, jobs: Any, done: Any, ready: Any) -> None:
    """A worker process: close the chunks it takes from `jobs` until it takes None."""

    async def main() -> None:
        from db.connection import close_db, init_db
        from domain.loanbook.eod import ChunkReport, close_chunk

        await init_db(url, create_schema=False)
        ready.put(True)
        total = ChunkReport()
        cpu = time.process_time()
        try:
            while (job := jobs.get()) is not None:
                ids, day = job
                total.add(await close_chunk(ids, date.fromisoformat(day)))
        finally:
            await close_db()
        done.put(("total", {**total.as_dict(), "cpu_s": time.process_time() - cpu}))

    asyncio.run(main())


async def fan_out(url: str, day: date, chunk: int) -> list[list[int]]:
    """The day's chunks (the date actor's part)."""
    from db.connection import close_db, init_db
    from domain.loanbook.eod import open_day

    await init_db(url, create_schema=False)
    try:
        return await open_day(day, chunk_size=chunk)
    finally:
        await close_db()


async def finish(url: str, day: date) -> tuple[bool, dict[str, Any]]:
    """Mark the day DONE; whether it is, and the day's row summary."""
    from db.connection import close_db, init_db
    from db.models import BusinessDay
    from domain.loanbook.eod import finish_day

    await init_db(url, create_schema=False)
    try:
        ok = await finish_day(day)
        row = await BusinessDay.get(business_date=day)
        return ok, {"loans": row.loans, **row.summary}
    finally:
        await close_db()


def run_day(url: str, day: date, workers: int, chunk: int) -> tuple[float, dict[str, Any]]:
    """Close one day with `workers` processes already connected; seconds and the summary."""
    ctx = mp.get_context("spawn")
    jobs, done, ready = ctx.Queue(), ctx.Queue(), ctx.Queue()
    # the workers' own CPU time is reported beside the wall clock: it does not depend on what
    # else the machine runs, the wall clock does
    procs = [ctx.Process(target=worker, args=(url, jobs, done, ready)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    started = time.perf_counter()
    chunks = asyncio.run(fan_out(url, day, chunk))
    for ids in chunks:
        jobs.put((ids, day.isoformat()))
    for _ in procs:
        jobs.put(None)
    totals: list[dict[str, float]] = []
    while len(totals) < workers:
        kind, value = done.get(timeout=600)
        if kind == "total":
            totals.append(value)
    ok, summary = asyncio.run(finish(url, day))
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    if not ok:
        raise SystemExit(f"{day}: loans are still behind after every chunk ran")
    merged = {k: sum(t[k] for t in totals) for k in totals[0]}
    return elapsed, {**merged, "chunks": len(chunks), "day": summary}


async def ledger_agrees(url: str) -> tuple[bool, list[str]]:
    """`ipcredit ledger check` over the bench's book after the batch."""
    from db.connection import close_db, init_db
    from domain.loanbook.check import check_ledger

    await init_db(url, create_schema=False)
    try:
        found = await check_ledger()
        return found.ok, found.problems[:5]
    finally:
        await close_db()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    asyncio.run(recreate(args.url))
    started = time.perf_counter()
    asyncio.run(build_world(args.url, args.loans))
    print(f"world: {args.loans:,} loans in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    report = Report("close_day")
    for n, day in enumerate((DAY, DAY + timedelta(days=1)), 1):
        seconds, summary = run_day(args.url, day, args.workers, args.chunk)
        print(f"{day}: {seconds:.1f} s {summary}", file=sys.stderr)
        label = "first day (allowances charged)" if n == 1 else "next day (steady)"
        report.figure(f"{label}, {args.loans:,} loans, {args.workers} chunk workers (no broker)", seconds, "s",
                      target=TARGET_S)  # fmt: skip
        report.figure(f"{label}: loans per second", summary["loan_days"] / seconds, "loans/s")
        report.figure(f"{label}: worker CPU (all workers)", summary["cpu_s"], "s")
    started = time.perf_counter()
    ok, problems = asyncio.run(ledger_agrees(args.url))
    print(f"ledger check: {'ok' if ok else problems} ({time.perf_counter() - started:.1f} s)",
          file=sys.stderr)  # fmt: skip
    code = report.finish(json_out=args.json)
    return code or (0 if ok else 1)


if __name__ == "__main__":
    sys.exit(main())
