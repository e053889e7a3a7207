"""Benchmark: render a contract, sign it as borrower then bank, verify it (milliseconds).

Each signature is the full PAdES B-LT path: the borrower's under a fresh event certificate
(key pair generated and certified per signature), an RFC 3161 timestamp from the platform TSA,
and the certificates and CRL embedded in the document. The target is under 300 ms per signature.

Run: .venv/bin/python bench/bench_contracts.py [--months N] [--repeat R] [--json]. Prints the
median of R runs per step (bench/report.py; --json also prints them as one JSON line); exits
1 when a signature takes longer than --limit-ms.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report  # noqa: E402
from domain.contracts import (  # noqa: E402
    ContractTerms,
    EventSigner,
    PledgedPatent,
    ScheduleRow,
    ensure_ca,
    render_contract_pdf,
    sign_as_bank,
    sign_as_borrower,
    verify,
)

T = TypeVar("T")


def _terms(months: int) -> ContractTerms:
    principal = Decimal("3000000.00")
    part = (principal / months).quantize(Decimal("0.01"))
    rows = tuple(
        ScheduleRow(
            n,
            date(2026 + n // 12, n % 12 + 1, 20),
            part if n < months else principal - part * (months - 1),
            Decimal("9876.54"),
        )
        for n in range(1, months + 1)
    )
    patents = tuple(
        PledgedPatent(f"ZL20231012345{i}.X", f"一种基于量子纠缠的密钥分发方法（{i}）")
        for i in range(5)
    )
    return ContractTerms(
        contract_number="IPC-BENCH-0001",
        issued_on=date(2026, 1, 10),
        lender_name="合肥科技农村商业银行",
        borrower_name="合肥量子科技有限公司",
        borrower_uscc="91340100MA2N0X1234",
        product_name="科技贷不用等",
        principal=principal,
        annual_rate=Decimal("0.0385"),
        term_months=months,
        repayment_method="EQUAL_PRINCIPAL",
        schedule=rows,
        patents=patents,
    )


def _timed(step: Callable[[], T], repeat: int) -> tuple[T, float]:
    times = []
    result = step()  # warm-up: fonts, imports
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        times.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(times)


def main() -> int:
    """Time each step of the contract flow."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--limit-ms", type=float, default=300.0, help="per-signature target")
    args = parser.parse_args()
    logging.disable(logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        ca = ensure_ca(Path(tmp))
        ca_ms = (time.perf_counter() - started) * 1000
        signer = EventSigner(
            email="cfo@quantum.example.cn",
            enterprise_name="合肥量子科技有限公司",
            uscc="91340100MA2N0X1234",
        )
        terms = _terms(args.months)
        pdf, render_ms = _timed(lambda: render_contract_pdf(terms), args.repeat)
        signed1, borrower_ms = _timed(
            lambda: sign_as_borrower(pdf, signer=signer, ca=ca),
            args.repeat,
        )
        signed2, bank_ms = _timed(lambda: sign_as_bank(signed1, ca=ca), args.repeat)
        result, verify_ms = _timed(lambda: verify(signed2, ca=ca), args.repeat)
    if not result.accepted or result.level != "B-LT":
        print(f"verification failed ({result.level}): {result.detail}", file=sys.stderr)
        return 1
    report = Report("contracts")
    report.figure("CA, first start", ca_ms, "ms")
    report.figure(f"render ({args.months} months)", render_ms, "ms")
    report.figure("sign as borrower (event certificate, timestamp, B-LT)", borrower_ms, "ms")
    report.figure("sign as bank (timestamp, B-LT)", bank_ms, "ms")
    report.figure("verify", verify_ms, "ms")
    report.figure("render, sign twice, verify", render_ms + borrower_ms + bank_ms + verify_ms, "ms")
    report.figure("signed PDF", len(signed2) / 1024, "KiB")
    status = report.finish(json_out=args.json)
    slowest = max(borrower_ms, bank_ms)
    if slowest > args.limit_ms:
        print(f"a signature took {slowest:.0f} ms, over {args.limit_ms:.0f} ms", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
