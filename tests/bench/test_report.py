"""The benchmark tooling: reading wrk's output, the Lua script it runs, the figures and the table."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench import summary
from bench.report import Report, number, percentile
from bench.wrk import WrkError, lua_script, lua_string, parse_wrk, run_wrk

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:41343/graphql
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   285.31ms   61.22ms   1.02s    78.15%
    Req/Sec    56.57     21.90   130.00     67.68%
  Latency Distribution
     50%  272.50ms
     75%  310.00ms
     90%  409.60ms
     99%    1.20s
  1123 requests in 10.04s, 8.91MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:    111.85
Transfer/sec:      0.89MB
GraphQL errors: 7
"""


def test_wrk_output_is_read_with_its_units() -> None:
    result = parse_wrk(WRK_OUTPUT)

    assert result.requests == 1123
    assert result.seconds == pytest.approx(10.04)
    assert result.requests_per_s == pytest.approx(111.85)
    assert result.p50_ms == pytest.approx(272.5)
    assert result.p75_ms == pytest.approx(310.0)
    assert result.p90_ms == pytest.approx(409.6)
    assert result.p99_ms == pytest.approx(1200.0)
    # 3 timeouts, and 7 failed responses counted by the script (the 2 non-2xx among them)
    assert result.errors == 10


def test_microseconds_thousands_and_no_script_counter() -> None:
    fast = (
        WRK_OUTPUT.replace("272.50ms", "102.00us")
        .replace("Requests/sec:    111.85", "Requests/sec:  18.48k")
        .replace("GraphQL errors: 7\n", "")
    )

    result = parse_wrk(fast)

    assert result.p50_ms == pytest.approx(0.102)
    assert result.requests_per_s == pytest.approx(18_480)
    assert result.errors == 3 + 2  # timeouts, then wrk's own count of non-2xx responses


def test_output_without_the_latency_distribution_is_refused() -> None:
    without = "\n".join(line for line in WRK_OUTPUT.splitlines() if "%  " not in line)

    with pytest.raises(WrkError, match="latency distribution"):
        parse_wrk(without)
    with pytest.raises(WrkError, match="request count"):
        parse_wrk("wrk: connection refused\n")


def test_lua_strings_hold_any_text() -> None:
    assert lua_string("plain") == "[[plain]]"
    assert lua_string("a]]b") == "[=[a]]b]=]"
    assert lua_string("a]]b]=]c") == "[==[a]]b]=]c]==]"


def test_script_posts_the_body_with_the_headers() -> None:
    script = lua_script({"query": "{ a }"}, {"Authorization": "Bearer t"})

    assert 'wrk.method = "POST"' in script
    assert 'wrk.body = [[{"query": "{ a }"}]]' in script
    assert "wrk.headers[ [[Authorization]] ] = [[Bearer t]]" in script
    assert "wrk.headers[ [[Content-Type]] ] = [[application/json]]" in script


@pytest.fixture
def echo_server() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """A keep-alive HTTP server answering every POST with a GraphQL result; what it received."""
    received: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get("Authorization", ""), body))
            failing = b"fail" in body
            out = b'{"errors": [{"message": "no"}]}' if failing else b'{"data": {"a": 1}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_sends_the_request_and_counts_graphql_errors(
    echo_server: tuple[str, list[tuple[str, bytes]]],
) -> None:
    url, received = echo_server

    good = run_wrk(url, {"query": "{ a }"}, headers={"Authorization": "Bearer t"},
                   threads=1, connections=2, seconds=1)  # fmt: skip
    bad = run_wrk(url, {"query": "{ fail }"}, threads=1, connections=2, seconds=1)

    assert good.requests > 0 and good.errors == 0 and good.p99_ms > 0
    assert received[0] == ("Bearer t", b'{"query": "{ a }"}')
    assert bad.requests > 0 and bad.errors >= bad.requests


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_takes_the_bodies_in_turn_reads_p95_and_its_error_marker(
    echo_server: tuple[str, list[tuple[str, bytes]]],
) -> None:
    url, received = echo_server

    turns = run_wrk(url, {"query": "{ a }"}, more_bodies=({"query": "{ b }"},),
                    threads=1, connections=1, seconds=1)  # fmt: skip
    marked = run_wrk(url, {"query": "{ a }"}, threads=1, connections=1, seconds=1,
                     error_marker='"data"')  # fmt: skip

    bodies = {body for _, body in received}
    assert {b'{"query": "{ a }"}', b'{"query": "{ b }"}'} <= bodies
    assert turns.errors == 0 and turns.p95_ms is not None and turns.p95_ms > 0
    assert marked.requests > 0 and marked.errors >= marked.requests


def test_report_keeps_figures_and_fails_on_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    report = Report("lists")
    report.figure("req/s", 90.0, "req/s", target=100.0, better="higher")
    report.figure("p99", 20.0, "ms", target=25.0)
    report.figure("p50", 3.0, "ms")

    assert report.finish() == 1
    saved = json.loads((tmp_path / "lists.json").read_text())
    assert [(f["name"], f["met"]) for f in saved] == [
        ("req/s", False),
        ("p99", True),
        ("p50", None),
    ]
    assert saved[0]["ratio"] == pytest.approx(0.9)
    assert saved[1]["ratio"] == pytest.approx(1.25)


def test_numbers_read_well_at_every_size() -> None:
    assert [number(v) for v in (0.0, 0.0345, 2.167, 58.34, 5114.7)] == [
        "0", "0.0345", "2.17", "58.3", "5,115",
    ]  # fmt: skip


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]

    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0


def test_summary_table_lists_every_figure_and_fails_on_misses_and_missing_benches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    met = Report("decision")
    met.figure("median", 182.0, "ms", target=300.0)
    met.finish()
    missed = Report("lists")
    missed.figure("list / plain", 31.0, "%", target=80.0, better="higher")
    missed.figure("p50", 272.5, "ms")
    missed.finish()
    capsys.readouterr()

    code = summary.main(["--expect", "decision", "lists", "import"])
    table = capsys.readouterr().out

    assert code == 1
    lines = table.splitlines()
    assert lines[0].split() == ["bench", "figure", "value", "target", "ratio", "verdict"]
    assert any(line.startswith("decision") and "<= 300 ms" in line and line.endswith("met")
               for line in lines)  # fmt: skip
    assert any("list / plain" in line and "0.39x" in line and line.endswith("MISSED")
               for line in lines)  # fmt: skip
    assert any("p50" in line and "272 ms" in line and line.endswith("reported") for line in lines)
    assert any(line.startswith("import") and line.endswith("FAILED") for line in lines)


def test_summary_passes_when_every_target_is_met(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    report = Report("gnn")
    report.figure("scoring", 1.2, "s", target=2.0)
    report.finish()

    assert summary.main(["--expect", "gnn"]) == 0
    assert summary.main(["--dir", str(tmp_path / "nothing")]) == 1
