"""Load from another process on loopback for a fixed time: wrk (Debian's `wrk`) when it is
installed, else a bounded httpx load generator in a separate process."""

import json
import multiprocessing
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.stats import percentile

_MARK = "BENCH-RESULT "
# wrk's summary as one JSON line; latencies are in microseconds. `errors.status` counts the
# answers with a status of 400 or more, which is every non-2xx one this service gives.
_DONE = f"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{_MARK}{{"requests": %d, "duration_us": %d, "non_2xx": %d, "errors": %d,'
    .. ' "p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Load:
    """What one endpoint sustained: all answers, the non-2xx among them, transport errors."""

    requests: int
    seconds: float
    non_2xx: int
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def generator(choice: str) -> str:
    """`wrk` when asked or (for `auto`) installed, else `httpx`."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "httpx"
    return choice


def run(request: Request, *, kind: str, connections: int, seconds: float, directory: Path) -> Load:
    """Keep `connections` requests in flight for `seconds` with generator `kind`."""
    if kind == "wrk":
        return _wrk(request, connections=connections, seconds=seconds, directory=directory)
    return _httpx(request, connections=connections, seconds=seconds)


def _lua(request: Request) -> str:
    lines = [f'wrk.method = "{request.method}"']
    headers = dict(request.headers)
    if request.body is not None:
        headers["Content-Type"] = "application/json"
        lines.append(f"wrk.body = [==[{json.dumps(request.body)}]==]")
    lines.extend(f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items())
    return "\n".join(lines) + "\n" + _DONE


def _wrk(request: Request, *, connections: int, seconds: float, directory: Path) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=directory, delete=False) as script:
        script.write(_lua(request))
    completed = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds:.0f}s",
            "--timeout",
            "10s",
            "--script",
            script.name,
            request.url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(ln for ln in completed.stdout.splitlines() if ln.startswith(_MARK))
    result = json.loads(line.removeprefix(_MARK))
    return Load(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        non_2xx=result["non_2xx"],
        errors=result["errors"],
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
    )


def _httpx(request: Request, *, connections: int, seconds: float) -> Load:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_httpx_process, (request, connections, seconds))


def _httpx_process(request: Request, connections: int, seconds: float) -> Load:
    """In the load process: one thread and one keep-alive connection per connection."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[list[int]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        with httpx.Client(headers=request.headers, timeout=10) as client:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = client.request(request.method, request.url, json=request.body)
                except httpx.TransportError:
                    errors[index] += 1
                    continue
                latencies[index].append((time.perf_counter() - started) * 1000)
                statuses[index].append(response.status_code)

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    samples = [sample for per_thread in latencies for sample in per_thread]
    codes = [code for per_thread in statuses for code in per_thread]
    return Load(
        requests=len(codes),
        seconds=elapsed,
        non_2xx=sum(not 200 <= code < 300 for code in codes),
        errors=sum(errors),
        p50_ms=percentile(samples, 0.5),
        p99_ms=percentile(samples, 0.99),
    )
