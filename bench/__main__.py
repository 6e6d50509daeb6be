"""Benchmarks: `python -m bench <match|http|writes|import|quality|instructions|requests>
[options]`, each with `--help`; `python -m bench --short` runs a short version of every one
but `instructions` and `requests` (what `make bench` does).

Figures are ratios taken in one run on one machine; the absolute times vary with its load.
"""

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import cast

# Imported only when asked for, so that one benchmark's imports (or a module still being
# written) never stop another from running.
BENCHMARKS = {
    "match": "bench.match",
    "http": "bench.http",
    "writes": "bench.writes",
    "import": "bench.hsds_import",
    "quality": "bench.quality",
    "instructions": "bench.instructions",
    "requests": "bench.requests",
}
# Left out of `--short`: counting under valgrind takes minutes even on a small registry.
_NOT_SHORT = {"instructions", "requests"}


def _module(name: str) -> ModuleType | None:
    """The benchmark's module, or None when it does not exist (yet)."""
    try:
        return importlib.import_module(BENCHMARKS[name])
    except ModuleNotFoundError as error:
        if error.name != BENCHMARKS[name]:
            raise
        return None


def _entry(module: ModuleType) -> Callable[[list[str]], int]:
    return cast(Callable[[list[str]], int], module.main)


def _short() -> int:
    status = 0
    started = time.perf_counter()
    for name, path in BENCHMARKS.items():
        if name in _NOT_SHORT:
            continue
        sys.stdout.write(f"\n== python -m bench {name} --short ==\n")
        sys.stdout.flush()
        module = _module(name)
        if module is None:
            sys.stdout.write(f"skipped: {path} does not exist yet\n")
            continue
        began = time.perf_counter()
        status = _entry(module)(["--short"]) or status
        sys.stdout.write(f"({name}: {time.perf_counter() - began:.0f} s)\n")
    sys.stdout.write(f"\nshort run: {time.perf_counter() - started:.0f} s in all\n")
    return status


def main(argv: list[str]) -> int:
    if argv and argv[0] in BENCHMARKS:
        module = _module(argv[0])
        if module is None:
            sys.stderr.write(f"python -m bench: {BENCHMARKS[argv[0]]} does not exist yet\n")
            return 2
        return _entry(module)(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--short", action="store_true", help="a quick run of every benchmark")
    args = parser.parse_args(argv)
    if args.short:
        return _short()
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
