"""`referral serve` whose match use case answers once and then repeats that answer, for
`python -m bench http --floor`: what a match request costs besides finding its services
(the key, the profile's validation, the location, the thread hand-off, serializing the
same-sized answer), measured, not estimated from a profile.

A benchmark's tool only: the service has no such mode. Run as
`python -m bench.held_answer serve --host ... --port ...`, the arguments of `referral`.
"""

import sys
from functools import wraps
from typing import Any

from schemas.match import MatchResponse
from service import cli
from service.routers import match as match_route

_held: list[MatchResponse] = []


def _holding(use_case: Any) -> Any:
    @wraps(use_case)
    def held(*args: Any, **kwargs: Any) -> MatchResponse:
        if not _held:
            _held.append(use_case(*args, **kwargs))
        return _held[0]

    return held


def main() -> None:
    match_route.match_needs = _holding(match_route.match_needs)  # type: ignore[attr-defined]
    sys.argv[0] = "referral"
    cli.main()


if __name__ == "__main__":
    main()
