"""What `referral-client match` says in its own words: the server's location problems in the
words of `--near` (the places a name refused as ambiguous stands for, to pick one), and, with
`--french`, its own checks, a server out of reach and a 429 in French. Against scripted
answers (httpx.MockTransport), so that a lookup that fails can be had on demand."""

import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from referral_client import ReferralClient, Retry, _wording, cli
from referral_client.cli import run
from schemas.folding import normalise_name
from schemas.french import OWN_MESSAGES
from service.problems_fr import MESSAGES

CANARY = "Zqx7f3a"
FAST = Retry(attempts=2, backoff_seconds=0.001, max_delay_seconds=1)
PLACE_ERRORS = {
    "place": ["body", "location", "place"],
    "postal_prefix": ["body", "location", "postal_prefix"],
    "latitude": ["body", "location", "latitude"],
}

Handler = Callable[[httpx.Request], httpx.Response]


def _refused(field: str, message: str) -> httpx.Response:
    """The server's 422 for a location it cannot place, as it words it."""
    body = {
        "type": "https://referral-service.example/problems/validation-error",
        "title": "Invalid request",
        "status": 422,
        "detail": f"location.{field}: {message}",
        "errors": [{"loc": PLACE_ERRORS[field], "msg": message}],
    }
    return httpx.Response(422, json=body, headers={"Content-Type": "application/problem+json"})


def _place(label: str, province: str, population: int) -> dict[str, Any]:
    return {
        "label": label,
        "name": label.rsplit(", ", 1)[0],
        "province": province,
        "latitude": 45.0,
        "longitude": -75.0,
        "population": population,
        "area_type": "rural",
    }


ROCKLANDS = [
    _place("Rockland, BC", "BC", 3740),
    _place("Rockland Lake, ON", "ON", 120),  # starts with the name, is not it
    _place("Rockland, NB", "NB", 0),
    _place("Rockland, ON", "ON", 0),
]


class Server:
    """Answers /v1/match and /v1/places from the test's handlers, and keeps every request."""

    def __init__(self, match: Handler, places: Handler | None = None) -> None:
        self.match, self.places = match, places
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/v1/match":
            return self.match(request)
        if request.url.path == "/v1/places" and self.places is not None:
            return self.places(request)
        return httpx.Response(404, json={"title": "Not found", "status": 404})


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Callable[[Server], Server]:
    """The command line's client, talking to a `Server` instead of the network."""

    def install(server: Server) -> Server:
        def client(url: str | None, api_key: str | None, **options: Any) -> ReferralClient:
            transport = httpx.MockTransport(server)
            return ReferralClient(url, api_key, transport=transport, retry=FAST, **options)

        monkeypatch.setattr(cli, "ReferralClient", client)
        return server

    monkeypatch.setenv("REFERRAL_URL", "http://referral.test")
    monkeypatch.setenv("REFERRAL_API_KEY", "rk_test")
    return install


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    return lines[0]


def test_a_name_several_places_bear_lists_them_to_pick_one(
    serve: Callable[[Server], Server], capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve(
        Server(
            lambda request: _refused(
                "place", "several places bear this name; add the province (ON, QC, ...)"
            ),
            lambda request: httpx.Response(200, json={"items": ROCKLANDS}),
        )
    )
    assert run(["match", "--near", " Rockland ", "--need", "housing"]) == 2
    assert _error(capsys) == (
        "referral-client: --near: several places bear this name: Rockland, BC; Rockland, NB; "
        "Rockland, ON — add the province"
    )
    [lookup] = [r for r in server.requests if r.url.path == "/v1/places"]
    assert lookup.url.params["q"] == "Rockland"  # what was typed, as it was sent to match


def test_in_french_the_places_are_listed_in_french(
    serve: Callable[[Server], Server], capsys: pytest.CaptureFixture[str]
) -> None:
    serve(
        Server(
            lambda request: _refused(
                "place", "plusieurs lieux portent ce nom ; ajoutez la province (ON, QC, ...)"
            ),
            lambda request: httpx.Response(200, json={"items": ROCKLANDS}),
        )
    )
    assert run(["match", "--near", "rockland", "--need", "housing", "--french"]) == 2
    assert _error(capsys) == (
        "referral-client: --near : plusieurs lieux portent ce nom : Rockland, BC ; Rockland, "
        "NB ; Rockland, ON — ajoutez la province"
    )


@pytest.mark.parametrize(
    "places",
    [
        lambda request: httpx.Response(503, json={"title": "Service unavailable", "status": 503}),
        lambda request: httpx.Response(200, json={"items": [_place("Rockland, BC", "BC", 1)]}),
        lambda request: httpx.Response(200, text="<html>a proxy's page</html>"),
    ],
    ids=["lookup refused", "one place found", "not the contract's shape"],
)
def test_when_the_places_cannot_be_listed_the_message_is_plain(
    serve: Callable[[Server], Server], capsys: pytest.CaptureFixture[str], places: Handler
) -> None:
    serve(
        Server(
            lambda request: _refused(
                "place", "several places bear this name; add the province (ON, QC, ...)"
            ),
            places,
        )
    )
    assert run(["match", "--near", "Rockland", "--need", "housing"]) == 2
    assert _error(capsys) == (
        "referral-client: --near: several places bear this name; add the province, as in "
        '"Elmira, ON"'
    )


# The server's location problems as it words them today, in English and in French, and what
# the operator reads instead.
REWORDED = [
    (
        "place",
        "no such place known; check the spelling, or send location.postal_prefix, or latitude "
        "and longitude, instead",
        "--near: no such place known; check the spelling, or give a postal prefix (R3C) or "
        "coordinates (49.9,-97.1)",
        "--near : aucun lieu de ce nom ; vérifiez l'orthographe, ou donnez un début de code "
        "postal (R3C) ou des coordonnées (49.9,-97.1)",
    ),
    (
        "place",
        "no such place known in that province; check the spelling, or send "
        "location.postal_prefix, or latitude and longitude, instead",
        "--near: no such place known in that province; check the spelling and the province, "
        "or give a postal prefix (R3C) or coordinates (49.9,-97.1)",
        "--near : aucun lieu de ce nom dans cette province ; vérifiez l'orthographe et la "
        "province, ou donnez un début de code postal (R3C) ou des coordonnées (49.9,-97.1)",
    ),
    (
        "place",
        "several places of that province bear this name; send location.postal_prefix, or "
        "latitude and longitude, instead",
        "--near: several places of that province bear this name; give a postal prefix (R3C) "
        "or coordinates (49.9,-97.1) instead",
        "--near : plusieurs lieux de cette province portent ce nom ; donnez plutôt un début de "
        "code postal (R3C) ou des coordonnées (49.9,-97.1)",
    ),
    (
        "postal_prefix",
        "this postal prefix covers a region too wide to place a person (its postal codes lie "
        "over 50 km from its centre); send location.place, the town, instead",
        "--near: this postal prefix covers a region too wide to place the person (its postal "
        "codes lie over 50 km from its centre); give the town instead",
        "--near : ce début de code postal couvre une région trop vaste pour situer la personne "
        "(ses codes postaux sont à plus de 50 km de son centre) ; donnez plutôt la ville",
    ),
    (
        "latitude",
        "outside Canada: this registry serves people in Canada; send the Canadian town "
        "(location.place) or postal prefix where the person is",
        "--near: outside Canada: this registry serves people in Canada; give the Canadian town "
        "or postal prefix where the person is",
        "--near : hors du Canada : ce répertoire sert des personnes au Canada ; donnez la ville "
        "canadienne ou le début de code postal où se trouve la personne",
    ),
]


@pytest.mark.parametrize(("field", "english", "said", "said_in_french"), REWORDED)
@pytest.mark.parametrize("french", [False, True], ids=["English", "French"])
def test_a_location_problem_names_near_not_the_apis_fields(
    serve: Callable[[Server], Server],
    capsys: pytest.CaptureFixture[str],
    field: str,
    english: str,
    said: str,
    said_in_french: str,
    french: bool,
) -> None:
    """The operator typed --near; "send location.postal_prefix" named nothing they have."""
    server_said = MESSAGES[english] if french else english  # as the server answers
    serve(Server(lambda request: _refused(field, server_said)))
    near = {"place": "Nowhere", "postal_prefix": "X0A", "latitude": "47.6 -122.3"}[field]
    assert run(["match", "--near", near, "--need", "housing", *(["--french"] if french else [])])
    line = _error(capsys)
    assert line == f"referral-client: {said_in_french if french else said}"
    assert "location." not in line


def test_a_problem_the_client_does_not_know_is_said_as_the_server_wrote_it(
    serve: Callable[[Server], Server], capsys: pytest.CaptureFixture[str]
) -> None:
    serve(Server(lambda request: _refused("postal_prefix", "unknown postal prefix")))
    assert run(["match", "--near", "X9X", "--need", "housing"]) == 2
    assert _error(capsys) == "referral-client: --near: unknown postal prefix"


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (
            ["--need", "houssing"],
            "--need : valeur inconnue ; valeurs possibles : housing, legal, specialized, ou une "
            "de leurs catégories, comme legal.immigration ou housing.emergency_shelter",
        ),
        (
            ["--need", "housing", "--lang", "français"],
            "--lang : n'est pas un code de langue ISO 639 ; utilisez un code comme en, fr ou es",
        ),
        (["--need", "housing", "--max-distance", "0"], "--max-distance : doit être supérieur à 0"),
        (["--need", "housing", "--max-distance", "900"], "--max-distance : doit être au plus 500"),
        (["--need", "housing", "--need", "housing"], "--need : ne doit pas répéter un besoin"),
        (
            ["--need", "housing", "--near", "Z1Z"],
            "--near : doit être un préfixe postal canadien, comme N2L, ou un code postal "
            "entier, comme N2L 3G1",
        ),
        (
            ["--need", "housing", "--gender", f"robot{CANARY}"],
            "valeur invalide pour '--gender' : doit être l'une des valeurs 'woman', 'man', "
            "'gender_diverse', 'undisclosed' (voir --help)",
        ),
        (
            ["--need", "housing", "--age", f"2{CANARY}"],
            "valeur invalide pour '--age' : doit être un nombre entier (voir --help)",
        ),
        (
            ["--need", "housing", "--age", "130"],
            "valeur invalide pour '--age' : doit être au plus 120 (voir --help)",
        ),
        (["--need", "housing", "--colour", "red"], "option inconnue : --colour (voir --help)"),
    ],
    ids=[
        "unknown need",
        "bad language",
        "no distance",
        "too far",
        "need repeated",
        "bad prefix",
        "bad gender",
        "bad age",
        "too old",
        "bad option",
    ],
)
def test_in_french_the_checks_before_sending_are_french(
    arguments: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    near = [] if "--near" in arguments else ["--near", "N2L"]
    assert run(["match", *near, *arguments, "--french", "--api-key", "rk_x"]) == 2
    line = _error(capsys)
    assert line == f"referral-client: {said}"
    assert CANARY not in line


def test_in_french_a_missing_option_is_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["match", "--need", "housing", "--french"]) == 2
    assert _error(capsys) == "referral-client: option manquante : '--near' (voir --help)"


def test_the_need_is_refused_in_a_line_not_a_list_of_twenty(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["match", "--near", "N2L", "--need", "houssing", "--api-key", "rk_x"]) == 2
    assert _error(capsys) == (
        "referral-client: --need: unknown value; possible values: housing, legal, specialized, "
        "or one of their categories, such as legal.immigration or housing.emergency_shelter"
    )


def test_in_french_no_key_is_said_in_french(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REFERRAL_API_KEY", raising=False)
    assert run(["match", "--near", "N2L", "--need", "housing", "--french"]) == 3
    assert _error(capsys) == (
        "referral-client: aucune clé d'API : passez --api-key ou définissez REFERRAL_API_KEY"
    )


def _closed_port() -> int:
    """A local port where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_in_french_a_server_out_of_reach_is_said_in_french(
    capsys: pytest.CaptureFixture[str],
) -> None:
    nowhere = f"http://127.0.0.1:{_closed_port()}"
    arguments = ["match", "--near", "N2L", "--need", "housing", "--url", nowhere]
    assert run([*arguments, "--api-key", "rk_x", "--french"]) == 4
    assert _error(capsys) == f"referral-client: impossible de se connecter à {nowhere}"
    assert run([*arguments, "--api-key", "rk_x"]) == 4
    assert _error(capsys) == f"referral-client: cannot connect to {nowhere}"


def _too_many(detail: str, title: str = "Trop de requêtes") -> Handler:
    body = {"type": "about:blank", "title": title, "status": 429, "detail": detail}
    return lambda request: httpx.Response(
        429, json=body, headers={"Retry-After": "37", "Content-Type": "application/problem+json"}
    )


def test_in_french_a_429_is_said_in_french_with_the_wait(
    serve: Callable[[Server], Server], capsys: pytest.CaptureFixture[str]
) -> None:
    english = "This key made more requests this minute than the service takes from one key; "
    serve(Server(_too_many(english + "try again in 37 s.")))
    assert run(["match", "--near", "N2L", "--need", "housing", "--french"]) == 4
    assert _error(capsys) == (
        "referral-client: Trop de requêtes : cette clé a fait plus de requêtes cette minute que "
        "le serveur n'en accepte d'une clé ; réessayez dans 37 s"
    )

    serve(Server(_too_many(english + "try again in 37 s.", title="Too many requests")))
    assert run(["match", "--near", "N2L", "--need", "housing"]) == 4
    assert _error(capsys) == f"referral-client: Too many requests: {english}try again in 37 s."

    # A detail the server gave in French is its own, kept.
    french = "Cette clé a dépassé sa propre limite de 30 par minute ; réessayez dans 37 s."
    serve(Server(_too_many(french)))
    assert run(["match", "--near", "N2L", "--need", "housing", "--french"]) == 4
    assert _error(capsys) == f"referral-client: Trop de requêtes : {french}"


def test_the_checks_before_sending_are_in_the_servers_french() -> None:
    """The profile's own messages are the server's too: said alike, whoever checks first."""
    for english, french in OWN_MESSAGES.items():
        assert MESSAGES[english] == french
        assert _wording.checked("--near", "value_error", None, english, french=True) == french


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("St. John's", "Saint John's"),
        ("Montreal", "Montréal"),
        ("Rivière-du-Loup", "riviere du loup"),
        ("Mt Pearl", "Mount Pearl"),
        ("D\u00e9l\u0131\u0328n\u0119", "Deline"),  # a dotless i (Dene orthography)
        ("\u0141utselk'e", "Lutselk'e"),
    ],
)
def test_a_place_name_is_compared_as_the_server_compares_it(name: str, other: str) -> None:
    assert normalise_name(name) == normalise_name(other)  # the server's own, and the client's
