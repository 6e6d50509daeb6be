"""A real server for a benchmark: `referral serve` (uvicorn, one worker) as a subprocess on a
free loopback port, its keys issued over the API, its memory read from /proc."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ADMIN_KEY = "bench-bootstrap-admin-key-0123456789"
_START_TIMEOUT_S = 120.0
# Reading 100,000 services whole takes each worker seconds; a slow machine, longer.
_INDEX_TIMEOUT_S = 300.0
_WHOLE_READS = "referral_match_index_whole_reads"


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log: Path

    def issue_key(self, role: str, name: str, organization_id: str | None = None) -> str:
        """A new key of `role`, issued by the bootstrap admin through `POST /v1/keys`."""
        body: dict[str, Any] = {"role": role, "name": name}
        if organization_id is not None:
            body["organization_id"] = organization_id
        response = httpx.post(
            f"{self.url}/v1/keys", json=body, headers=bearer(ADMIN_KEY), timeout=30
        )
        response.raise_for_status()
        return str(response.json()["key"])

    def memory_mb(self) -> dict[str, float]:
        """Resident memory now (`VmRSS`) and at its peak (`VmHWM`), in MB."""
        fields = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024  # kB
        return fields

    def cpu_seconds(self) -> float:
        """CPU time the server's processes (its workers too) have used so far, user and
        system, all their threads."""
        ticks = 0
        for pid in _process_tree(self.pid):
            after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(after_name[11]) + int(after_name[12])  # fields 14 and 15
        return ticks / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.extend(int(child) for child in (task / "children").read_text().split())
    return [pid, *(descendant for child in children for descendant in _process_tree(child))]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _referral() -> str:
    """The `referral` command installed beside this interpreter (the project's venv)."""
    beside = Path(sys.executable).parent / "referral"
    return str(beside) if beside.exists() else shutil.which("referral") or "referral"


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {_START_TIMEOUT_S:.0f} s:\n{_tail(log)}")


def _wait_until_indexed(
    process: subprocess.Popen[bytes], url: str, log: Path, workers: int
) -> None:
    """Until `/metrics` says that each worker has read its match index whole. (With several
    workers, each writes its gauge when it answers a request; every poll is a new connection,
    which any of them may answer.)"""
    deadline = time.monotonic() + _INDEX_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{_tail(log)}")
        metrics = httpx.get(f"{url}/metrics", timeout=5).text
        reads = [
            float(line.rpartition(" ")[2])
            for line in metrics.splitlines()
            if line.startswith((f"{_WHOLE_READS} ", f"{_WHOLE_READS}{{"))
        ]
        if len(reads) >= workers and all(read >= 1 for read in reads):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the match index was not read within {_INDEX_TIMEOUT_S:.0f} s:\n{_tail(log)}"
            )
        time.sleep(0.2)


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serve(
    database_url: str,
    directory: Path,
    *,
    workers: int = 1,
    settings: Mapping[str, str] | None = None,
    held_answer: bool = False,
) -> Iterator[Server]:
    """`referral serve` on `database_url`, as an operator runs it (access log on, to a file in
    `directory`); stopped on exit. `settings`: `REFERRAL_*` variables beyond the defaults
    (no demo registry, the bench's admin key). With more than one worker, `pid` is uvicorn's
    supervisor and `memory_mb` is the supervisor's only.

    Yielded once every worker has read its match index (unless `MATCH_SEARCH` is
    `database`): a worker reads the registry whole in the background at start, and a load
    begun meanwhile measures that read and the database search that stands in for the index,
    not the server that providers and hotlines meet, which has been up for hours.

    `held_answer`: the server of `bench/held_answer.py`, whose match use case repeats its
    first answer (one worker only)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = directory / f"server-{port}.log"
    # The defaults, whatever the shell's REFERRAL_* variables say.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REFERRAL_")}
    environment |= {
        "REFERRAL_DATABASE_URL": database_url,
        "REFERRAL_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "REFERRAL_DEMO_DATA": "false",
        # A load generator is one key sending thousands of requests a minute.
        "REFERRAL_RATE_LIMIT_PER_MINUTE": "0",
        **(settings or {}),
    }
    with log.open("wb") as output:
        command = [_referral()]
        if held_answer:
            command = [sys.executable, "-m", "bench.held_answer"]
            # (the server runs in `directory`: the bench package is found by the path)
            environment["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
        process = subprocess.Popen(
            [
                *command,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=environment,
            cwd=directory,  # no stray .env file is read
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(process, url, log)
        if (settings or {}).get("REFERRAL_MATCH_SEARCH", "memory").lower() == "memory":
            _wait_until_indexed(process, url, log, workers)
        yield Server(url=url, pid=process.pid, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def profiled(server: Server, output: Path | None) -> Iterator[None]:
    """Sample the server with py-spy while the block runs, into `output` as collapsed stacks
    (one line per stack, its sample count last); nothing when `output` is None. Only threads
    holding the GIL are sampled: with one worker, Python time is what limits throughput."""
    if output is None:
        yield
        return
    py_spy = Path(sys.executable).parent / "py-spy"
    recorder = subprocess.Popen(
        [
            str(py_spy if py_spy.exists() else "py-spy"),
            "record",
            "--pid",
            str(server.pid),
            "--format",
            "raw",
            "--rate",
            "200",
            "--output",
            str(output),
            "--nonblocking",
            "--gil",
            "--function",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield
    finally:
        recorder.send_signal(2)  # SIGINT: py-spy writes what it sampled, then exits
        _, errors = recorder.communicate(timeout=60)
        if recorder.returncode not in (0, -2) and not output.exists():
            sys.stderr.write(f"py-spy failed: {errors.decode(errors='replace')[-500:]}\n")


def hot_spots(collapsed: Path, during: str, count: int = 12) -> str:
    """What the samples say, as text: the project's functions by inclusive share (time in
    them and what they call), then any functions by self share (time in their own code)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, weight = line.rpartition(" ")
        if not weight.isdigit():
            continue
        frames = stack.split(";")
        samples += int(weight)
        own[frames[-1]] = own.get(frames[-1], 0) + int(weight)
        for frame in set(frames):
            if "(service/" in frame or "(schemas/" in frame:
                inclusive[frame] = inclusive.get(frame, 0) + int(weight)
    lines = [
        f"\npy-spy during {during} ({collapsed}): {samples} samples of the threads holding the"
        " GIL; project code, inclusive:"
    ]
    for title, totals in (("", inclusive), ("any code, self:", own)):
        if title:
            lines.append(title)
        ranked = sorted(totals.items(), key=lambda item: -item[1])[:count]
        lines.extend(f"{hits / max(samples, 1):6.1%}  {frame}" for frame, hits in ranked)
    return "\n".join(lines) + "\n"
