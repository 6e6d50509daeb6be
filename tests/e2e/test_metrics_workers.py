"""`/metrics` with several workers: whichever worker answers a scrape, it counts the requests
of all of them (prometheus-client's multiprocess mode, set up by `referral serve`)."""

import json
import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from bench.server import serve

REQUESTS = 40
_HEALTHZ = re.compile(
    r'^referral_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
    re.MULTILINE,
)
_INDEX = re.compile(r'^referral_match_index_services\{pid="(\d+)"\} (\S+)$', re.MULTILINE)


def _healthz_count(metrics: str) -> float:
    return sum(float(count) for count in _HEALTHZ.findall(metrics))


def _settled_count(client: httpx.Client) -> float:
    """The `/healthz` requests counted once the count stops moving: the last of those `serve`
    waited on is counted after its answer went, and a scrape just after may miss it (read
    too soon, it made the test expect one request fewer than every scrape then counted)."""
    count = _healthz_count(client.get("/metrics").text)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.2)
        again = _healthz_count(client.get("/metrics").text)
        if again == count:
            return count
        count = again
    return count


@pytest.mark.parametrize("directory", ["made by serve", "given"])
def test_every_scrape_counts_the_requests_of_every_worker(
    tmp_path: Path, directory: str, fresh_database_url: str
) -> None:
    settings = {"REFERRAL_DEMO_DATA": "false", "REFERRAL_LOG_LEVEL": "warning"}
    given = tmp_path / "metrics"
    if directory == "given":
        # A file left by an earlier run, which the scrape could not read: emptied at start.
        given.mkdir()
        (given / "counter_999999.db").write_bytes(b"not a metrics file")
        settings["PROMETHEUS_MULTIPROC_DIR"] = str(given)
    with serve(fresh_database_url, tmp_path, workers=2, settings=settings) as server:
        # A new connection per request, so that the requests and scrapes spread over workers.
        with httpx.Client(
            base_url=server.url, timeout=10, headers={"Connection": "close"}
        ) as client:
            before = _settled_count(client)  # (serve waited on /healthz)
            for _ in range(REQUESTS):
                assert client.get("/healthz").status_code == 200
            # A request is counted once its answer has gone: the last one may still be
            # counting in its worker when another worker answers the next scrape.
            deadline = time.monotonic() + 10
            while _healthz_count(client.get("/metrics").text) < before + REQUESTS:
                assert time.monotonic() < deadline, "the requests were never all counted"
                time.sleep(0.05)
            scrapes = [client.get("/metrics") for _ in range(12)]
        workers = {int(pid) for pid in os.listdir("/proc") if pid.isdigit()}
    for scrape in scrapes:
        assert scrape.status_code == 200, scrape.text
        # Each worker counts its own; every scrape sums them, whichever worker answers.
        assert _healthz_count(scrape.text) == before + REQUESTS
        indexes = _INDEX.findall(scrape.text)
        assert indexes, "each worker that answered lists its match index"
        assert {int(pid) for pid, _ in indexes} <= workers
    if directory == "given":
        assert not (given / "counter_999999.db").exists()


def test_a_killed_workers_gauges_leave_the_scrape_its_counts_stay(
    tmp_path: Path, fresh_database_url: str
) -> None:
    """A worker killed (out of memory, `kill -9`) does not stop to drop its gauges: its match
    index was listed beside its replacement's for ever. The index gauges of a worker are
    written once it has read the index, before any request of its own."""
    settings = {"REFERRAL_DEMO_DATA": "true", "REFERRAL_LOG_LEVEL": "info"}
    with (
        serve(fresh_database_url, tmp_path, workers=2, settings=settings) as server,
        httpx.Client(base_url=server.url, timeout=10, headers={"Connection": "close"}) as client,
    ):

        def indexes() -> dict[int, float]:
            scrape = client.get("/metrics")
            assert scrape.status_code == 200, scrape.text
            return {int(pid): float(size) for pid, size in _INDEX.findall(scrape.text)}

        deadline = time.monotonic() + 120
        # Both workers list their index, read, whichever answers: one need not have answered.
        while len(listed := indexes()) < 2 or 0.0 in listed.values():
            assert time.monotonic() < deadline, f"the workers' indexes were not listed: {listed}"
            time.sleep(0.1)
        killed = min(listed)
        before = _healthz_count(client.get("/metrics").text)
        os.kill(killed, signal.SIGKILL)
        while killed in (listed := indexes()) or len(listed) < 2:
            assert time.monotonic() < deadline, f"a killed worker is still listed: {listed}"
            time.sleep(0.1)
        assert _healthz_count(client.get("/metrics").text) >= before
        log = server.log.read_text().splitlines()
    # uvicorn's own lines too are one JSON object each, its word of the death among them
    # (only the demo keys, shown once to whoever started it, are text).
    lines = [
        json.loads(line)
        for line in log
        if line.strip() and not line.startswith(("Demo registry loaded", "  "))
    ]
    assert any(
        line["logger"].startswith("uvicorn") and f"Child process [{killed}] died" in line["message"]
        for line in lines
    ), log
    assert not any("color_message" in line for line in lines)
