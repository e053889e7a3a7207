"""Load from wrk: POST one GraphQL body over and over, read throughput and latency percentiles.

    result = run_wrk(url, {"query": "{ __typename }"}, headers={"Authorization": "Bearer ..."},
                     connections=32, seconds=10)
    result.requests_per_s, result.p50_ms, result.p90_ms, result.p99_ms, result.errors

wrk (Debian package `wrk`) drives the load from its own process, so the figures are the
server's, not a Python client's. The Lua script counts every response that is not 200 or whose
body carries GraphQL `errors`, and prints the count when the run is done; a run with errors is
reported as such, never as fast.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
COUNT_UNITS = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}

LUA = """\
wrk.method = "POST"
wrk.body = {body}
{headers}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  failed = 0
  turn = 0
end
{rotate}

function response(status, headers, body)
  if status ~= 200 or string.find(body, {marker}, 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("failed")
  end
  io.write(string.format("GraphQL errors: %d\\n", total))
  io.write(string.format("p95 latency us: %d\\n", latency:percentile(95.0)))
end
"""


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed something this module cannot read."""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # non-200 responses, GraphQL errors, socket errors and timeouts
    p95_ms: float | None = None  # printed by our script's `done`; None from a plain wrk run

    def summary(self) -> str:
        """One line for a human."""
        return (
            f"{self.requests_per_s:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p90 {self.p90_ms:.1f} "
            f"ms, p99 {self.p99_ms:.1f} ms, {self.requests} requests, {self.errors} errors"
        )


def lua_string(text: str) -> str:
    """A Lua long-bracket literal holding `text` exactly."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


ROTATE = """
local bodies = {{ {bodies} }}

function request()
  turn = turn % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[turn])
end
"""


def lua_script(
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    error_marker: str = '"errors"',
    more_bodies: tuple[dict[str, Any], ...] = (),
) -> str:
    """The script that POSTs `body` as JSON with `headers` and counts failed responses: not
    200, or a body containing `error_marker`. With `more_bodies`, each thread sends `body`
    and them in turn."""
    all_headers = {"Content-Type": "application/json", **headers}
    lines = "\n".join(
        f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in all_headers.items()
    )
    rotate = (
        ROTATE.format(bodies=", ".join(lua_string(json.dumps(b)) for b in (body, *more_bodies)))
        if more_bodies
        else ""
    )
    return LUA.format(
        body=lua_string(json.dumps(body)),
        headers=lines,
        marker=lua_string(error_marker),
        rotate=rotate,
    )


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if match is None:
        raise WrkError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * TIME_UNITS_MS[match.group(2)]


def _count(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)([kMG]?)", text.strip())
    if match is None:
        raise WrkError(f"not a wrk count: {text!r}")
    return float(match.group(1)) * COUNT_UNITS[match.group(2)]


def _percentiles(output: str) -> dict[int, float]:
    found = {
        int(m.group(1)): _duration_ms(m.group(2))
        for m in re.finditer(r"^\s+(50|75|90|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    if set(found) != {50, 75, 90, 99}:
        raise WrkError("no latency distribution in wrk's output (was --latency given?)")
    return found


def _errors(output: str) -> int:
    errors = 0
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(g) for g in socket.groups())
    graphql = re.search(r"^GraphQL errors: (\d+)$", output, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if graphql:  # counts non-200 responses too
        errors += int(graphql.group(1))
    elif non_2xx:
        errors += int(non_2xx.group(1))
    return errors


def parse_wrk(output: str) -> WrkResult:
    """Read requests, requests/s, p50/p75/p90/p99 and errors from `wrk --latency` output."""
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+),", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s+([\d.]+[kMG]?)\s*$", output, re.MULTILINE)
    if total is None or rate is None:
        raise WrkError("no request count or rate in wrk's output:\n" + output[-2000:])
    pct = _percentiles(output)
    p95 = re.search(r"^p95 latency us: (\d+)$", output, re.MULTILINE)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=_duration_ms(total.group(2)) / 1000,
        requests_per_s=_count(rate.group(1)),
        p50_ms=pct[50],
        p75_ms=pct[75],
        p90_ms=pct[90],
        p99_ms=pct[99],
        errors=_errors(output),
        p95_ms=int(p95.group(1)) / 1000 if p95 else None,
    )


def wrk_binary() -> str:
    """The wrk on PATH; a clear error when it is not installed."""
    found = shutil.which("wrk")
    if found is None:
        raise WrkError("wrk is not installed (Debian: apt-get install wrk)")
    return found


def run_wrk(
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    threads: int = 2,
    connections: int = 32,
    seconds: int = 10,
    timeout_s: int = 10,
    error_marker: str = '"errors"',
    more_bodies: tuple[dict[str, Any], ...] = (),
) -> WrkResult:
    """`wrk -t -c -d --latency` against `url` with `body` POSTed as JSON; the parsed result."""
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(
            lua_script(body, headers or {}, error_marker=error_marker, more_bodies=more_bodies)
        )
        command = [
            wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
            f"--timeout={timeout_s}s", "--latency", "-s", str(script), url,
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + timeout_s + 30
        )
    if done.returncode != 0:
        raise WrkError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return parse_wrk(done.stdout)
