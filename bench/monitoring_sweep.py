"""The monitoring sweep benchmark: 100,000 borrowers re-evaluated by separate worker processes.

Used by bench/bench_monitoring.py. Borrowers (loans, pledges, appraisals, financials) are
synthesised into a fresh PostgreSQL database next to BENCH_PG (default
postgres://postgres@127.0.0.1:5432/test), or SQLite when it is unreachable or asked for; the
sweep is sent through Redis (REDIS_URL, default redis://127.0.0.1:6379/15) to `actors.worker`
processes, as production runs it. Everything it creates (keys, database) is removed at the end.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SWEEP_TARGET_S = 60.0
CHUNK = 5000


async def fresh_postgres(base: str) -> tuple[str, str] | None:
    """A new database next to `base`, or None when PostgreSQL cannot be reached."""
    try:
        import asyncpg

        name = f"ipcredit_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1), timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    except (OSError, ImportError, Exception):  # noqa: BLE001 - fall back to SQLite
        return None
    return base.rsplit("/", 1)[0] + "/" + name, name


async def drop_postgres(base: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def start_workers(n: int, log: Path, threads: int) -> list[subprocess.Popen[bytes]]:
    """n worker processes on the default queue; returns once each says it is ready."""
    procs = []
    with log.open("ab") as out:
        for _ in range(n):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "actors.worker",
                        "--threads",
                        str(threads),
                        "--queue",
                        "default",
                    ],
                    cwd=ROOT,
                    env=dict(os.environ),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            )
    deadline = time.monotonic() + 60
    while log.read_text(errors="replace").count(" ready: ") < n:
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            raise RuntimeError("workers did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.1)
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=40)
        except subprocess.TimeoutExpired:
            p.kill()


async def create_in_chunks(rows: list[Any], model: Any) -> None:
    """Insert rows CHUNK at a time."""
    for start in range(0, len(rows), CHUNK):
        await model.bulk_create(rows[start : start + CHUNK])


async def synthesise(n: int) -> None:
    """n borrowers, each with an active loan of 1M pledging one appraised invention.

    Every 50th appraisal leaves the loan under-covered; every 100th borrower's revenue halved.
    """
    from db.models import LoanProduct, Role, User

    product = await LoanProduct.create(
        code="BENCH", name="bench", min_amount=Decimal(1), max_amount=Decimal(10**8),
        terms_months=[12], annual_rate=Decimal("0.04"), repayment_method="equal_installment",
    )  # fmt: skip
    owner = await User.create(email="owner@bench", password_hash="x", role=Role.APPLICANT)
    now = datetime.now(UTC)
    firms, patents = await synthesise_borrowers(n)
    await synthesise_loans(firms, patents, product_id=product.id, owner_id=owner.id, now=now)
    await synthesise_appraisals(patents)
    await synthesise_financials(firms)


async def synthesise_borrowers(n: int) -> tuple[list[Any], list[Any]]:
    """n enterprises owning one granted invention each; their ids and the patents' ids."""
    from db.models import Enterprise, Patent

    await create_in_chunks([Enterprise(uscc=f"B{i:017d}", name=f"借款企业{i}", registered=True)
                            for i in range(n)], Enterprise)  # fmt: skip
    firms = list(
        await Enterprise.filter(uscc__startswith="B").order_by("id").values_list("id", flat=True)
    )
    await create_in_chunks([Patent(number=f"CNB{i:010d}B", owner_id=f, title="专利", kind="invention",
                                   filed_on=date(2020, 1, 1), granted_on=date(2022, 1, 1),
                                   status="granted")
                            for i, f in enumerate(firms)], Patent)  # fmt: skip
    patents = list(
        await Patent.filter(number__startswith="CNB").order_by("id").values_list("id", flat=True)
    )
    return firms, patents


async def synthesise_loans(
    firms: list[Any], patents: list[Any], *, product_id: int, owner_id: int, now: datetime
) -> None:
    """A disbursed application pledging each firm's patent, its contract and its loan of 1M."""
    from db.models import ApplicationPatent, Contract, Loan, LoanApplication

    await create_in_chunks([LoanApplication(enterprise_id=f, product_id=product_id,
                                            created_by_id=owner_id, amount=Decimal(1_000_000),
                                            term_months=12, status="DISBURSED")
                            for f in firms], LoanApplication)  # fmt: skip
    applications = list(
        await LoanApplication.filter(product_id=product_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    await create_in_chunks([ApplicationPatent(application_id=a, patent_id=p)
                            for a, p in zip(applications, patents, strict=True)],
                           ApplicationPatent)  # fmt: skip
    await create_in_chunks([Contract(application_id=a, path="bench.pdf", sha256="0" * 64)
                            for a in applications], Contract)  # fmt: skip
    contracts = list(
        await Contract.filter(path="bench.pdf").order_by("id").values_list("id", flat=True)
    )
    await create_in_chunks([Loan(enterprise_id=f, application_id=a, contract_id=c,
                                 principal=Decimal(1_000_000), outstanding=Decimal(1_000_000),
                                 annual_rate=Decimal("0.04"), repayment_method="equal_installment",
                                 disbursed_at=now, disbursed_by="bench")
                            for f, a, c in zip(firms, applications, contracts, strict=True)],
                           Loan)  # fmt: skip


async def synthesise_appraisals(patents: list[Any]) -> None:
    """An appraisal per patent: 5M, or 2M for every 50th (under-covering its loan)."""
    from db.models import Valuation

    await create_in_chunks([Valuation(patent_id=p,
                                      value=Decimal(2_000_000 if i % 50 == 0 else 5_000_000),
                                      low=Decimal(1), high=Decimal(1), pledge_value=Decimal(1),
                                      method="bench", model_version="bench")
                            for i, p in enumerate(patents)], Valuation)  # fmt: skip


async def synthesise_financials(firms: list[Any]) -> None:
    """2023 and 2024 statements per firm; every 100th firm's 2024 revenue halved."""
    from db.models import Financial

    fin = []
    for i, f in enumerate(firms):
        fin.append(Financial(enterprise_id=f, period="2023", revenue=Decimal(10_000_000),
                             net_profit=Decimal(500_000)))  # fmt: skip
        fin.append(Financial(enterprise_id=f, period="2024",
                             revenue=Decimal(5_000_000 if i % 100 == 0 else 11_000_000),
                             net_profit=Decimal(300_000)))  # fmt: skip
    await create_in_chunks(fin, Financial)


async def sweep(n: int, log: Path, batch: int, workers: int) -> dict[str, Any]:
    """Synthesise n borrowers, then time a sweep by `workers` processes."""
    from actors.broker import DEFAULT_QUEUE, get_broker
    from actors.monitoring import monitor_borrowers
    from db.models import RiskWarning
    from domain.monitoring.sweep import sweep_borrowers

    started = time.perf_counter()
    await synthesise(n)
    made = time.perf_counter() - started
    print(f"  synthesised {n} borrowers in {made:.1f} s", file=sys.stderr)
    procs = start_workers(workers, log, threads=4)
    broker = get_broker()
    before = await RiskWarning.all().count()
    try:
        started = time.perf_counter()
        report = await sweep_borrowers(enqueue=lambda ids: monitor_borrowers.send(ids),
                                       batch_size=batch)  # fmt: skip
        sent = time.perf_counter() - started
        await asyncio.to_thread(broker.join, DEFAULT_QUEUE, timeout=600_000)
        took = time.perf_counter() - started
    finally:
        stop_workers(procs)
    raised = await RiskWarning.all().count() - before
    return {
        "borrowers": report.borrowers, "batches": report.batches, "batch_size": batch,
        "workers": workers, "seconds": round(took, 2), "enqueue_seconds": round(sent, 2),
        "borrowers_per_s": round(report.borrowers / took), "warnings": raised,
        "ratio": round(took / SWEEP_TARGET_S, 3),
    }  # fmt: skip


async def _run(n: int, url: str, log: Path, batch: int, workers: int) -> dict[str, Any]:
    from db.connection import close_db, init_db

    await init_db(url)
    try:
        return await sweep(n, log, batch, workers)
    finally:
        await close_db()


async def clean_redis(base: str, namespace: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(base)
    async for key in client.scan_iter(match=f"{namespace}*"):
        await client.delete(key)
    await client.aclose()  # type: ignore[attr-defined]


def run_sweep(*, borrowers: int, batch: int, workers: int, sqlite: bool) -> dict[str, Any]:
    """Synthesise the borrowers, time the sweep, remove everything; the figures."""
    redis_base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    namespace = f"ipcredit-bench-{uuid.uuid4().hex[:10]}"
    pg_base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")
    with tempfile.TemporaryDirectory() as tmp:
        pg = None if sqlite else asyncio.run(fresh_postgres(pg_base))
        url = pg[0] if pg else f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        os.environ.update({
            "BROKER_URL": f"{redis_base}?namespace={namespace}", "DATABASE_URL": url,
            "IPCREDIT_DATA_DIR": str(Path(tmp) / "data"), "IPCREDIT_LOG_LEVEL": "WARNING",
            "IPCREDIT_JWT_SECRET": "bench-" + "x" * 40, "PYTHONPATH": str(ROOT),
        })  # fmt: skip
        log = Path(tmp) / "workers.log"
        log.touch()
        try:
            result = asyncio.run(_run(borrowers, url, log, batch, workers))
        finally:
            asyncio.run(clean_redis(redis_base, namespace))
            if pg:
                asyncio.run(drop_postgres(pg_base, pg[1]))
    return {"database": url.split(":")[0], **result}
