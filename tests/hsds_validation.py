"""Offline validation with the tools HSDS publishers use: check-jsonschema against the vendored
HSDS schemas (no remote references in them) and frictionless for tabular packages."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "hsds_schema"


def check_jsonschema(schema: str, documents: list[Any], tmp_path: Path) -> None:
    """Every document passes `check-jsonschema --schemafile tests/hsds_schema/<schema>`."""
    assert documents
    directory = tmp_path / f"check-{len(list(tmp_path.glob('check-*')))}"
    directory.mkdir()
    files = []
    for index, document in enumerate(documents):
        path = directory / f"document-{index}.json"
        path.write_text(json.dumps(document))
        files.append(str(path))
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMAS / schema), *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def check_package(directory: Path) -> None:
    """The tabular package passes `frictionless validate` (types, constraints, foreign keys)."""
    from frictionless import validate

    report = validate(str(directory / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])
