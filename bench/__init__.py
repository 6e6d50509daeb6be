"""Benchmarks of the match path and the registry (`python -m bench --help`)."""

import argparse


def arguments(name: str, description: str | None) -> argparse.ArgumentParser:
    """The parser of `python -m bench <name>`, with its module docstring as written."""
    return argparse.ArgumentParser(
        prog=f"python -m bench {name}",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
