"""The HTTP benchmark's held answer (`bench/held_answer.py`): the use case runs for the first
request only, and every later one gets that answer, whatever it asks; and the arithmetic of
what the held answer says (`bench.http._floor`)."""

from typing import Any

from bench.held_answer import _holding
from bench.http import _floor
from bench.load import Load


def test_the_use_case_runs_once_and_its_answer_is_repeated() -> None:
    calls: list[dict[str, Any]] = []

    def use_case(**kwargs: Any) -> object:
        calls.append(kwargs)
        return object()

    held = _holding(use_case)
    first = held(profile="a")
    assert held(profile="b") is first
    assert calls == [{"profile": "a"}]


def _load(requests: int) -> Load:
    return Load(requests=requests, seconds=10.0, non_2xx=0, errors=0, p50_ms=1.0, p99_ms=2.0)


def test_the_floor_says_what_the_use_case_may_cost_for_the_target() -> None:
    # healthz 0.5 ms, match 6 ms, the held match 1.5 ms of CPU each
    said = _floor(_load(20_000), 10.0, _load(1_000), 6.0, _load(5_000), 7.5)
    assert "25.0% of healthz" in said
    assert "costs 1.50 ms (3.0 healthz)" in said
    assert "the use case 4.50 ms" in said
    assert "leaves the use case 1.00 ms" in said
