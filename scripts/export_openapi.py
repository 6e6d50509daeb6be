"""Write the OpenAPI document to schemas/openapi.json, or check that it is current."""

import argparse
import json
import sys
from pathlib import Path

from service.config import Settings
from service.main import create_app

TARGET = Path(__file__).resolve().parent.parent / "schemas" / "openapi.json"


def render() -> str:
    app = create_app(Settings(database_url="sqlite://", _env_file=None))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the snapshot is stale")
    args = parser.parse_args()
    current = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != current:
            sys.stderr.write("schemas/openapi.json is stale: run `make openapi` and commit it\n")
            return 1
        return 0
    TARGET.write_text(current)
    return 0


if __name__ == "__main__":
    sys.exit(main())
