"""The client installs and imports without the server: its wheel holds `referral_client` and
`schemas` only, and importing it pulls in nothing of the service or its dependencies."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ["service", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "alembic", "uvicorn"]

# Run in a fresh interpreter: refuse every server-only module, then use the client.
_ISOLATED = f"""
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SERVER_ONLY!r}:
            raise ImportError("the client must not import " + name)
        return None

sys.meta_path.insert(0, Refuse())
import referral_client
import referral_client.cli
from referral_client import AsyncReferralClient, ReferralClient
from schemas.match import NeedProfile

NeedProfile.model_validate({{"needs": ["housing"], "location": {{"postal_prefix": "N2L"}}}})
ReferralClient("http://127.0.0.1:9", "k").close()
assert referral_client.cli.run(["--help"]) == 0
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({SERVER_ONLY!r}))
assert not loaded, loaded
print(referral_client.__file__)
"""


def _run_isolated(*, path_first: Path | None, cwd: Path) -> str:
    prelude = f"import sys; sys.path.insert(0, {str(path_first)!r})\n" if path_first else ""
    done = subprocess.run(
        [sys.executable, "-c", prelude + _ISOLATED],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_the_installed_client_imports_nothing_of_the_server(tmp_path: Path) -> None:
    assert _run_isolated(path_first=None, cwd=tmp_path).startswith(str(ROOT / "client"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client's wheel, built offline with the backend installed in this environment."""
    pytest.importorskip("hatchling", reason="the dev extra installs the build backend")
    folder = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--no-index", "--wheel-dir", str(folder), str(ROOT / "client")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = folder.glob("referral_client-1.0.0-*.whl")
    return built


def test_the_wheel_holds_the_client_and_the_wire_models_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if not name.startswith("referral_client-")}

    assert packages == {"referral_client", "schemas"}
    assert {"referral_client/cli.py", "referral_client/py.typed", "schemas/match.py"} <= set(names)
    entry_points = zipfile.ZipFile(wheel).read("referral_client-1.0.0.dist-info/entry_points.txt")
    assert b"referral-client = referral_client.cli:main" in entry_points
    metadata = zipfile.ZipFile(wheel).read("referral_client-1.0.0.dist-info/METADATA").decode()
    requires = sorted(line for line in metadata.splitlines() if line.startswith("Requires-Dist"))
    assert requires == [
        "Requires-Dist: httpx==0.28.1",
        "Requires-Dist: pydantic==2.14.3",
        "Requires-Dist: rich==15.0.0",
        "Requires-Dist: typer==0.29.1",
    ]


def test_the_unpacked_wheel_works_without_the_server(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    assert _run_isolated(path_first=unpacked, cwd=tmp_path).startswith(str(unpacked))
