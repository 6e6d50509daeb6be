"""Tests for the offline gazetteer (service/gazetteer.py and its generated data)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from schemas.folding import normalise_name
from service.gazetteer import (
    DATA_DIR,
    Gazetteer,
    Locality,
    default_gazetteer,
    haversine_km,
    parse_province,
)

ALL_PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    # The service's own, loaded once per process (the app's tests in this worker share it).
    return default_gazetteer()


# --- labelled calibration sample ----------------------------------------------------
# Labels were written from local knowledge before tuning the rule (see the module
# docstring of service/gazetteer.py for the rule).

FSA_LABELS = [
    # downtowns and inner cities
    ("M5V", "urban"),  # Toronto, Entertainment District
    ("M5H", "urban"),  # Toronto, Financial District
    ("M4Y", "urban"),  # Toronto, Church-Wellesley
    ("H2X", "urban"),  # Montréal, Quartier latin
    ("H3B", "urban"),  # Montréal, downtown
    ("V6B", "urban"),  # Vancouver, downtown
    ("N2G", "urban"),  # Kitchener, downtown
    ("B3J", "urban"),  # Halifax, downtown
    ("R3C", "urban"),  # Winnipeg, downtown
    ("T2P", "urban"),  # Calgary, downtown
    ("T5J", "urban"),  # Edmonton, downtown
    ("K1P", "urban"),  # Ottawa, Parliament Hill
    ("G1R", "urban"),  # Québec, Vieux-Québec
    ("S4P", "urban"),  # Regina, downtown
    ("S7K", "urban"),  # Saskatoon, downtown
    ("V8W", "urban"),  # Victoria, downtown
    ("E1C", "urban"),  # Moncton, downtown
    ("A1C", "urban"),  # St. John's, downtown
    ("L8P", "urban"),  # Hamilton, downtown
    ("N6A", "urban"),  # London, downtown
    # suburbs
    ("L5B", "suburban"),  # Mississauga City Centre
    ("L6T", "suburban"),  # Brampton
    ("H7N", "suburban"),  # Laval
    ("V3T", "suburban"),  # Surrey, Whalley (see test below for the place)
    ("L4C", "suburban"),  # Richmond Hill
    ("L4J", "suburban"),  # Thornhill (Vaughan)
    ("L3R", "suburban"),  # Markham
    ("V6X", "suburban"),  # Richmond, BC
    ("J4K", "suburban"),  # Longueuil
    ("T8A", "suburban"),  # Sherwood Park
    ("L7L", "suburban"),  # Burlington
    ("L6H", "suburban"),  # Oakville
    ("M1B", "suburban"),  # Scarborough, Malvern (outer Toronto)
    ("M9C", "suburban"),  # Etobicoke
    ("K2J", "suburban"),  # Barrhaven (Nepean)
    ("L1S", "suburban"),  # Ajax
    ("L9T", "suburban"),  # Milton
    # rural (second character 0)
    ("N0B", "rural"),
    ("N0K", "rural"),
    ("K0L", "rural"),
    ("S0K", "rural"),
    ("A0A", "rural"),
    ("T0L", "rural"),
    ("V0N", "rural"),
    ("J0K", "rural"),
    ("G0A", "rural"),
    ("X0A", "rural"),
    ("B0J", "rural"),
    ("R0G", "rural"),
    ("P0A", "rural"),
    ("L0R", "rural"),
    ("Y0B", "rural"),
    # urban-digit FSAs of small towns
    ("N3B", "rural"),  # Elmira
    ("E4L", "rural"),  # Sackville, NB
]

PLACE_LABELS = [
    ("Toronto", "urban"),
    ("Montréal", "urban"),
    ("Vancouver", "urban"),
    ("Calgary", "urban"),
    ("Winnipeg", "urban"),
    ("Halifax", "urban"),
    ("Kitchener", "urban"),
    ("Brandon, MB", "urban"),  # stand-alone medium population centre
    ("Regina", "urban"),
    ("Moncton", "urban"),
    ("Saskatoon", "urban"),
    ("Québec", "urban"),
    ("Hamilton, ON", "urban"),
    ("London, ON", "urban"),
    ("Ottawa", "urban"),
    ("Mississauga", "suburban"),
    ("Brampton", "suburban"),
    ("Laval", "suburban"),
    ("Markham", "suburban"),
    ("Vaughan", "suburban"),
    ("Longueuil", "suburban"),
    ("Burnaby", "suburban"),
    ("Richmond, BC", "suburban"),
    ("Oakville", "suburban"),
    ("Etobicoke", "suburban"),
    ("Sherwood Park", "suburban"),
    ("Nepean", "suburban"),
    ("Lévis", "suburban"),
    ("Airdrie", "suburban"),
    ("Elmira", "rural"),
    ("Wellesley, ON", "rural"),
    ("Ayr", "rural"),
    ("Picton", "rural"),
    ("100 Mile House", "rural"),
    ("Iqaluit", "rural"),
    ("Canmore", "rural"),
    ("Lakefield", "rural"),
    ("Baden", "rural"),
    ("St. Jacobs", "rural"),
    # Towns built up to a city, and a smaller city's own downtown (a review of the data
    # found them all rural).
    ("Mount Pearl", "suburban"),
    ("Dieppe", "suburban"),
    ("Riverview", "suburban"),
    ("Tecumseh, ON", "suburban"),
    ("West Kelowna", "suburban"),
    ("Downtown Moncton", "urban"),
    # Stand-alone towns beside a suburb or a county of 50,000 or more, which is no core.
    ("Joliette", "urban"),
    ("Orangeville", "urban"),
    ("Simcoe, ON", "rural"),
    ("Inuvik", "rural"),
    ("Gander", "rural"),
    # A county municipality: 60,000 people over farmland, not a centre (an operator's review).
    ("Norfolk County", "rural"),
    ("Lethbridge County", "rural"),
]


def test_calibration_sample_is_large_enough() -> None:
    assert len(FSA_LABELS) >= 30
    assert len(PLACE_LABELS) >= 20


@pytest.mark.parametrize(("prefix", "expected"), FSA_LABELS)
def test_labelled_fsa_has_expected_area_type(
    gazetteer: Gazetteer, prefix: str, expected: str
) -> None:
    area = gazetteer.postal_area(prefix)
    assert area is not None
    assert area.area_type == expected


@pytest.mark.parametrize(("query", "expected"), PLACE_LABELS)
def test_labelled_place_has_expected_area_type(
    gazetteer: Gazetteer, query: str, expected: str
) -> None:
    place = gazetteer.place(query)
    assert place is not None
    assert place.area_type == expected


@pytest.mark.parametrize(("prefix", "place_query"), [("X1A", "Yellowknife"), ("Y1A", "Whitehorse")])
def test_territorial_capital_is_rural_as_standalone_small_centre(
    gazetteer: Gazetteer, prefix: str, place_query: str
) -> None:
    """Documented judgement call: stand-alone centres under 30,000 people are rural."""
    area = gazetteer.postal_area(prefix)
    place = gazetteer.place(place_query)
    assert area is not None
    assert place is not None
    assert (area.area_type, place.area_type) == ("rural", "rural")


def test_surrey_place_is_urban_as_twin_of_vancouver(gazetteer: Gazetteer) -> None:
    """Documented judgement call: Surrey is not 2x smaller than Vancouver, so not a satellite."""
    surrey = gazetteer.place("Surrey, BC")
    assert surrey is not None
    assert surrey.area_type == "urban"


def test_every_rural_digit_fsa_is_rural(gazetteer: Gazetteer) -> None:
    assert all(a.area_type == "rural" for a in gazetteer.postal_areas if a.prefix[1] == "0")


# --- data shape ----------------------------------------------------------------------


def test_fsa_count_is_between_1600_and_1700(gazetteer: Gazetteer) -> None:
    assert 1600 <= len(gazetteer.postal_areas) <= 1700


def test_every_province_and_territory_has_fsas_and_places(gazetteer: Gazetteer) -> None:
    assert {a.province for a in gazetteer.postal_areas} == ALL_PROVINCES
    assert {p.province for p in gazetteer.places} == ALL_PROVINCES


def test_every_fsa_label_is_a_known_place_label(gazetteer: Gazetteer) -> None:
    labels = {p.label for p in gazetteer.places}
    assert all(a.label in labels for a in gazetteer.postal_areas)


def test_santa_claus_postal_code_is_excluded(gazetteer: Gazetteer) -> None:
    assert gazetteer.postal_area("H0H 0H0") is None


def test_every_alias_resolves_to_its_target_place_or_is_a_district_of_it(
    gazetteer: Gazetteer,
) -> None:
    with (DATA_DIR / "aliases.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 30
    districts = []
    for row in rows:
        place = gazetteer.place(f"{row['alias']}, {row['province']}")
        assert place is not None, row
        if normalise_name(place.name) == normalise_name(row["alias"]):
            # A district: a place of its own, of its city's area type, some km from its centre.
            city = gazetteer.place(f"{row['place']}, {row['province']}")
            assert city is not None, row
            assert place.area_type == city.area_type, row
            assert (
                5
                < haversine_km(place.latitude, place.longitude, city.latitude, city.longitude)
                < 30
            )
            districts.append(place.name)
        else:
            assert normalise_name(place.name) == normalise_name(row["place"]), row
    assert sorted(districts) == ["Courtice", "East York", "North York", "Scarborough"]
    assert sorted(p.name for p in gazetteer.places if gazetteer.is_district(p)) == sorted(districts)


@pytest.mark.parametrize(
    ("query", "label", "near"),
    [
        # Canada Post's municipality for the postal codes there, at their median point: a
        # person in Scarborough was measured from downtown Toronto, 13 km away.
        ("Scarborough, ON", "Scarborough, ON", (43.7692, -79.2587)),
        ("North York", "North York, ON", (43.7509, -79.4228)),
        ("east york on", "East York, ON", (43.6965, -79.3344)),
        ("Courtice, ON", "Courtice, ON", (43.9062, -78.7961)),
    ],
)
def test_districts_of_a_city_are_placed_where_they_are(
    gazetteer: Gazetteer, query: str, label: str, near: tuple[float, float]
) -> None:
    place = gazetteer.place(query)
    assert place is not None
    assert place.label == label
    assert haversine_km(place.latitude, place.longitude, *near) < 0.5
    assert gazetteer.search(label[:5], limit=3)[0].label == label or label.startswith("Courtice")


def test_a_district_labels_its_postal_areas_which_keep_their_area_type(
    gazetteer: Gazetteer,
) -> None:
    malvern = gazetteer.postal_area("M1B")
    assert malvern is not None
    assert (malvern.label, malvern.area_type) == ("Scarborough, ON", "suburban")
    willowdale = gazetteer.postal_area("M2N")
    assert willowdale is not None
    assert (willowdale.label, willowdale.area_type) == ("North York, ON", "urban")


def test_data_files_are_small() -> None:
    total = sum(path.stat().st_size for path in DATA_DIR.iterdir() if path.is_file())
    assert total < 1_000_000


def test_load_from_explicit_directory_gives_same_data(tmp_path: Path, gazetteer: Gazetteer) -> None:
    for name in ("places.csv", "fsa.csv", "aliases.csv", "settled.csv.gz"):
        (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    loaded = Gazetteer.load(tmp_path)
    assert loaded.postal_area("N2G") == gazetteer.postal_area("N2G")
    assert loaded.locate(68.36, -133.72) == gazetteer.locate(68.36, -133.72)


# --- postal areas --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["N2L", "n2l", "N2L 3G1", "n2l3g1", "  n2l 3g1 "])
def test_postal_area_accepts_case_and_full_code_variants(gazetteer: Gazetteer, text: str) -> None:
    area = gazetteer.postal_area(text)
    assert area is not None
    assert area.prefix == "N2L"
    assert area.province == "ON"


@pytest.mark.parametrize("text", ["", "N2", "Z9Z", "W1A", "123"])
def test_postal_area_unknown_or_short_prefix_returns_none(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.postal_area(text) is None


def test_postal_area_label_names_its_city(gazetteer: Gazetteer) -> None:
    area = gazetteer.postal_area("N2G")
    assert area is not None
    assert area.label == "Kitchener, ON"


@pytest.mark.parametrize(
    ("prefix", "label"),
    [("N0B", "Waterloo, ON"), ("L0R", "Hamilton, ON"), ("A0L", "Humber Arm South, NL")],
)
def test_a_rural_area_is_named_after_the_largest_place_at_its_point(
    gazetteer: Gazetteer, prefix: str, label: str
) -> None:
    area = gazetteer.postal_area(prefix)
    assert area is not None
    assert area.label == label


@pytest.mark.parametrize(
    ("prefix", "label"),
    [("V0W", "Atlin, BC"), ("X0G", "Fort Liard, NT"), ("T0V", "Fitzgerald, AB")],
)
def test_a_remote_area_is_named_after_a_place_near_its_point_not_the_nearest_town(
    gazetteer: Gazetteer, prefix: str, label: str
) -> None:
    """V0W's point is at Atlin: it was labelled Prince Rupert, 618 km away, beside
    distances measured from Atlin (a review)."""
    area = gazetteer.postal_area(prefix)
    assert area is not None
    assert area.label == label


@pytest.mark.no_cover  # (a scan of every place: the lines of one locate, 8,770 times)
def test_every_rural_area_is_named_near_its_point_or_after_its_nearest_place(
    gazetteer: Gazetteer,
) -> None:
    """Within 50 km (the largest place near the point, else the nearest town), or else no
    place of its province lies nearer than the one it is named after."""
    far = []
    for area in gazetteer.postal_areas:
        if area.prefix[1] != "0":
            continue
        km = min(  # (two places may share a label: Middleton, NS)
            haversine_km(area.latitude, area.longitude, p.latitude, p.longitude)
            for p in gazetteer.places
            if p.label == area.label
        )
        nearest = min(
            haversine_km(area.latitude, area.longitude, p.latitude, p.longitude)
            for p in gazetteer.places
            if p.province == area.province
        )
        if km > 50 and nearest < km - 0.01:
            far.append((area.prefix, area.label, round(km), round(nearest)))
    assert far == []


def test_no_area_is_named_after_a_neighbourhood_artifact_or_a_school(gazetteer: Gazetteer) -> None:
    assert not [
        a.label
        for a in gazetteer.postal_areas
        if a.label.startswith("Rural ") or "School" in a.label
    ]


def test_locality_for_postal_area_copies_area_fields(gazetteer: Gazetteer) -> None:
    area = gazetteer.postal_area("B3J")
    assert area is not None
    assert gazetteer.locality_for_postal_area(area) == Locality(
        label=area.label,
        province="NS",
        latitude=area.latitude,
        longitude=area.longitude,
        area_type="urban",
    )


# --- places --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Elmira, ON", "Elmira, ON"),
        ("elmira", "Elmira, ON"),
        ("ELMIRA ON", "Elmira, ON"),
        ("Elmira, Ontario", "Elmira, ON"),
        ("Montreal, QC", "Montréal, QC"),
        ("montreal", "Montréal, QC"),
        ("Montréal, Québec", "Montréal, QC"),
        ("Laval, Quebec", "Laval, QC"),
        ("st. john's, nl", "St. John's, NL"),
        ("St Johns, Newfoundland and Labrador", "St. John's, NL"),
        ("Saint John, NB", "Saint John, NB"),
        ("Vancouver, Colombie-Britannique", "Vancouver, BC"),
        ("Quebec City", "Québec, QC"),
        # As addresses are written: the country after the province (an operator's review).
        ("Toronto, Ontario, Canada", "Toronto, ON"),
        ("Toronto, Canada", "Toronto, ON"),
        ("Iqaluit, NU, Canada", "Iqaluit, NU"),
        # ... but a place named so keeps its name (a review found Little Canada lost).
        ("Little Canada", "Little Canada, NL"),
        ("New Canada, NS", "New Canada, NS"),
        # A province by its French abbreviation: "Vancouver, C.-B." was no such place.
        ("Vancouver, C.-B.", "Vancouver, BC"),
        ("Halifax, N.-É.", "Halifax, NS"),
        ("Charlottetown, Î.-P.-É.", "Charlottetown, PE"),
        ("Yellowknife, T.N.-O.", "Yellowknife, NT"),
        ("Whitehorse, Yn", "Whitehorse, YT"),
        ("Moncton, N.-B.", "Moncton, NB"),
        ("St. John's, T.-N.-L.", "St. John's, NL"),
        ("Calgary, Alb.", "Calgary, AB"),
        # A First Nation by its own name or its former one, a town by its English name: none
        # of these was found (a review of the reference data).
        ("Six Nations", "Ohsweken, ON"),
        ("Hobbema", "Maskwacis, AB"),
        ("Tsuut'ina", "Tsuu T'Ina, AB"),
        ("Pessamit", "Betsiamites, QC"),
        ("Whapmagoostui", "Kuujjuarapik, QC"),
        ("Sagkeeng", "Fort Alexander, MB"),
        ("Miawpukek", "Conne River, NL"),
        ("Goose Bay", "Happy Valley-Goose Bay, NL"),
        # Dene orthography: a dotless i and a stroke, found as the data spells them.
        ("D\u00e9l\u0131\u0328n\u0119", "Deline, NT"),
        ("\u0141utselk'e", "Lutselk'e, NT"),
    ],
)
def test_place_lookup_folds_case_accents_and_province_names(
    gazetteer: Gazetteer, query: str, label: str
) -> None:
    place = gazetteer.place(query)
    assert place is not None
    assert place.label == label


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Woolwich", "Elmira, ON"),
        ("Woolwich, ON", "Elmira, ON"),
        ("Clarington", "Bowmanville, ON"),
        ("Wilmot", "New Hamburg, ON"),
        ("North Dumfries", "Ayr, ON"),
        ("Chatham-Kent", "Chatham, ON"),
        ("Sudbury", "Greater Sudbury, ON"),
        ("Old Toronto", "Toronto, ON"),
        ("Regional Municipality of Wood Buffalo", "Fort McMurray, AB"),
        ("Strathcona County", "Sherwood Park, AB"),
        ("Halifax Regional Municipality", "Halifax, NS"),
        ("Township of Langley", "Langley, BC"),
        # How people name where they are: without the article, by a part of a borough that
        # joins merged places (an operator's review found Montreal's boroughs unknown).
        ("Plateau-Mont-Royal", "Le Plateau-Mont-Royal, QC"),
        ("Hochelaga-Maisonneuve", "Mercier\u2013Hochelaga-Maisonneuve, QC"),
        ("Villeray, QC", "Villeray\u2013Saint-Michel\u2013Parc-Extension, QC"),
        ("Petite-Patrie", "Rosemont\u2013La Petite-Patrie, QC"),
        ("Tuque", "La Tuque, QC"),
        ("Pas, MB", "The Pas, MB"),
        # Winnipeg's neighbourhoods, which neither GeoNames nor Canada Post names (postal
        # codes there are all "Winnipeg"): found, not refused as unknown.
        ("Transcona", "Winnipeg, MB"),
        ("St. Vital", "Winnipeg, MB"),
        ("Fort Garry, MB", "Winnipeg, MB"),
        ("East Kildonan", "Winnipeg, MB"),
        # A name a place bears itself stays that place's.
        ("Parc-Extension", "Parc-Extension, QC"),
        ("Rosemont, AB", "Rosemont, AB"),
    ],
)
def test_place_lookup_resolves_municipality_aliases(
    gazetteer: Gazetteer, query: str, label: str
) -> None:
    place = gazetteer.place(query)
    assert place is not None
    assert place.label == label


@pytest.mark.parametrize(
    "query", ["Atlantis", "", "   ", "Elmira, BC", "Toronto, Narnia", "Canada", ", Canada"]
)
def test_place_lookup_unknown_returns_none(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.place(query) is None


def test_a_name_refused_for_want_of_a_province_is_told_from_a_misspelt_one(
    gazetteer: Gazetteer,
) -> None:
    assert gazetteer.bears_name("Stratford")
    assert not gazetteer.bears_name("Iqualuit")
    assert not gazetteer.bears_name("Canada")


@pytest.mark.parametrize(
    "query",
    [
        *["Stratford", "Westmount", "Cornwall"],
        # Beside a place whose population the data does not give, only a city is taken:
        # Rockland, BC (3,740) was everyone's Rockland, Rockland, ON (12,000) has no figure.
        *["Rockland", "York"],
        # St. Paul, AB (5,728) or Saint-Paul, QC, a town of no given population; Three Rivers,
        # PE, or Trois-Rivières, QC, whose English name it is.
        *["Saint-Paul", "Three Rivers"],
    ],
)
def test_place_lookup_ambiguous_name_without_province_returns_none(
    gazetteer: Gazetteer, query: str
) -> None:
    assert gazetteer.place(query) is None


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Stratford, PE", "Stratford, PE"),
        ("Stratford, ON", "Stratford, ON"),
        ("Westmount, QC", "Westmount, QC"),
        ("Cornwall, Prince Edward Island", "Cornwall, PE"),
        # As callers of Acadian New Brunswick and Qu\u00e9bec, and Labrador, say their towns
        # (a review in French: each was "no such place").
        ("Saint-Jean, NB", "Saint John, NB"),
        ("Saint-Jean, N.-B.", "Saint John, NB"),
        ("St-Jean, QC", "Saint-Jean-sur-Richelieu, QC"),
        ("Tracadie, NB", "Tracadie-Sheila, NB"),
        ("Buctouche", "Bouctouche, NB"),
        ("Port aux Basques", "Channel-Port aux Basques, NL"),
        ("Magdalen Islands", "Cap-aux-Meules, QC"),
        ("\u00celes-de-la-Madeleine", "Cap-aux-Meules, QC"),
        ("Nain, Labrador", "Nain, NL"),
        ("Happy Valley-Goose Bay, Labrador", "Happy Valley-Goose Bay, NL"),
        ("Labrador City, Labrador", "Labrador City, NL"),
    ],
)
def test_place_lookup_ambiguous_name_with_province_resolves(
    gazetteer: Gazetteer, query: str, label: str
) -> None:
    place = gazetteer.place(query)
    assert place is not None
    assert place.label == label


@pytest.mark.parametrize(
    ("query", "latitude", "longitude"),
    [
        # A town, not the neighbourhood of another city that bears its name too (Canada Post
        # names postal codes for the town only): these were refused, "several places of that
        # province bear this name", and the operator asked for a postal prefix.
        ("Pont-Rouge, QC", 46.75, -71.70),
        ("Sainte-Catherine, QC", 45.40, -73.58),  # not the district of Trois-Rivi\u00e8res
        ("Saint-Raymond, QC", 46.89, -71.83),  # not the neighbourhood of Montr\u00e9al
        ("Vanier, ON", 45.44, -75.67),  # Ottawa's, not Kitchener's
        ("Pont-Rouge", 46.75, -71.70),
    ],
)
def test_a_name_means_the_town_canada_post_names_not_a_neighbourhood_elsewhere(
    gazetteer: Gazetteer, query: str, latitude: float, longitude: float
) -> None:
    place = gazetteer.place(query)
    assert place is not None
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (latitude, longitude)


def test_two_places_of_a_province_that_postal_codes_do_not_tell_apart_stay_ambiguous(
    gazetteer: Gazetteer,
) -> None:
    # Halifax's Westmount (6,388) and Cape Breton's (3,000, which Canada Post names): the
    # neighbourhood has more people, so the name is not given to the smaller place.
    assert gazetteer.place("Westmount, NS") is None
    assert gazetteer.shared_in_province("Westmount, NS")


@pytest.mark.parametrize(
    "query",
    ["Ville-Marie, QC", "Ville-Marie", "West End, BC", "Evergreen, AB"],
)
def test_a_name_two_places_of_a_province_bear_is_not_given_to_the_larger(
    gazetteer: Gazetteer, query: str
) -> None:
    """T\u00e9miscamingue's Ville-Marie (2,800) was answered as Montr\u00e9al's borough
    (105,000) 494 km away, under the same label "Ville-Marie, QC": the operator could not see
    it, and the town's people have no other name for their town (a review). Refused, the
    operator asks for the postal prefix (J9V), which tells them apart."""
    assert gazetteer.place(query) is None
    assert gazetteer.bears_name(query)
    assert gazetteer.postal_area("J9V") is not None


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Windsor", "Windsor, ON"),
        ("Waterloo", "Waterloo, ON"),
        ("Charlottetown", "Charlottetown, PE"),  # over a hamlet of NL of no given population
        ("Kitchener", "Kitchener, ON"),
    ],
)
def test_place_lookup_shared_name_returns_far_more_populous_place(
    gazetteer: Gazetteer, query: str, label: str
) -> None:
    place = gazetteer.place(query)
    assert place is not None
    assert place.label == label


def test_place_label_is_name_and_province(gazetteer: Gazetteer) -> None:
    place = gazetteer.place("Elmira")
    assert place is not None
    assert place.label == "Elmira, ON"


def test_locality_for_place_copies_place_fields(gazetteer: Gazetteer) -> None:
    place = gazetteer.place("Brandon, MB")
    assert place is not None
    locality = gazetteer.locality_for_place(place)
    assert locality == Locality(
        label="Brandon, MB",
        province="MB",
        latitude=place.latitude,
        longitude=place.longitude,
        area_type="urban",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ON", "ON"),
        ("on", "ON"),
        ("Ontario", "ON"),
        ("Québec", "QC"),
        ("quebec", "QC"),
        ("Nouvelle-Écosse", "NS"),
        ("P.E.I.", "PE"),
        ("Northwest Territories", "NT"),
        ("Mars", None),
    ],
)
def test_parse_province_accepts_codes_and_names(text: str, code: str | None) -> None:
    assert parse_province(text) == code


# --- search --------------------------------------------------------------------------


def test_search_prefix_finds_elmira_among_others(gazetteer: Gazetteer) -> None:
    results = gazetteer.search("elm", limit=50)
    assert "Elmira, ON" in {p.label for p in results}
    assert all(normalise_name(p.name).startswith("elm") or p.label == "Elmira, ON" for p in results)


def test_search_results_are_ordered_by_population_descending(gazetteer: Gazetteer) -> None:
    results = gazetteer.search("saint", limit=25)
    assert len(results) == 25
    populations = [p.population for p in results]
    assert populations == sorted(populations, reverse=True)


def test_search_folds_accents_and_case(gazetteer: Gazetteer) -> None:
    results = gazetteer.search("MONTRE", limit=5)
    assert results[0].label == "Montréal, QC"


def test_search_with_province_suffix_restricts_province(gazetteer: Gazetteer) -> None:
    results = gazetteer.search("windsor, ns")
    assert results
    assert {p.province for p in results} == {"NS"}


def test_search_matches_aliases(gazetteer: Gazetteer) -> None:
    assert "Elmira, ON" in {p.label for p in gazetteer.search("woolw")}


def test_search_respects_limit_and_empty_query(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.search("s", limit=3)) == 3
    assert gazetteer.search("", limit=3) == []
    assert gazetteer.search("qqqq") == []


# --- reverse lookup ------------------------------------------------------------------


def test_locate_downtown_kitchener_is_urban_ontario(gazetteer: Gazetteer) -> None:
    locality = gazetteer.locate(43.4516, -80.4925)
    assert locality.province == "ON"
    assert locality.area_type == "urban"
    assert locality.label == "Kitchener, ON"
    assert (locality.latitude, locality.longitude) == (43.4516, -80.4925)


@pytest.mark.parametrize(
    ("latitude", "longitude", "province"),
    [
        (59.93, -128.49, "BC"),  # just south of Watson Lake, YT: the nearest area is across
        (60.05, -128.70, "YT"),
        (59.99, -111.00, "AB"),  # just south of Fort Smith, NT
        (60.10, -112.00, "NT"),
    ],
)
def test_west_of_hudson_bay_the_60th_parallel_decides_province_or_territory(
    gazetteer: Gazetteer, latitude: float, longitude: float, province: str
) -> None:
    locality = gazetteer.locate(latitude, longitude)
    assert locality.province == province
    assert locality.label.endswith(f", {province}")


@pytest.mark.parametrize(
    ("latitude", "longitude", "label"),
    [
        # Each was answered in another province or territory, by the nearest postal area's
        # centre: Y0B's lies 700 km from Inuvik, in Yukon; J0M's 280 km from Sanikiluaq.
        (68.36, -133.72, "Inuvik, NT"),
        (69.44, -132.99, "Tuktoyaktuk, NT"),
        (56.54, -79.22, "Sanikiluaq, NU"),
        (53.79, -78.91, "Chisasibi, QC"),
        (58.19, -116.40, "La Crête, AB"),
        (53.28, -109.99, "Lloydminster, SK"),  # one town, two provinces
        (53.27, -110.03, "Lloydminster, AB"),
        (45.42, -75.70, "Ottawa, ON"),  # across the river from Gatineau
        (45.43, -75.72, "Gatineau, QC"),
        (49.50, -115.07, "Fernie, BC"),  # a Manitoba postal code is misplaced here
    ],
)
def test_coordinates_are_in_the_province_of_the_postal_codes_nearest_them(
    gazetteer: Gazetteer, latitude: float, longitude: float, label: str
) -> None:
    locality = gazetteer.locate(latitude, longitude)
    assert (locality.label, locality.province) == (label, label[-2:])


@pytest.mark.no_cover  # (a scan of every place: the lines of one locate, 8,770 times)
def test_every_place_is_in_its_own_province(gazetteer: Gazetteer) -> None:
    """A person at a town's own point is answered with the town's province, and so with its
    province-wide services (from the nearest postal area's centre, 39 were not); except where
    the point lies across a border that is a meridian (Onion Lake, SK, whose First Nation
    straddles the Alberta border, has its postal codes' median a few hundred metres west)."""
    elsewhere = {
        place.label: province
        for place in gazetteer.places
        if (province := gazetteer.locate(place.latitude, place.longitude).province)
        != place.province
    }
    assert elsewhere == {"Onion Lake, SK": "AB"}


@pytest.mark.parametrize(
    ("latitude", "longitude", "province"),
    [
        (53.30, -110.60, "AB"),  # Vermilion County: an SK postal code is misplaced near here
        (53.28, -110.01, "AB"),  # Lloydminster, west of the 4th meridian
        (53.28, -110.00, "SK"),  # ... and east of it
        (53.70, -110.05, "AB"),  # near Onion Lake, whose nearest codes are SK's
        (56.00, -119.98, "AB"),  # east of the 120th meridian
        (56.00, -120.02, "BC"),
    ],
)
def test_where_a_border_is_a_meridian_the_meridian_decides(
    gazetteer: Gazetteer, latitude: float, longitude: float, province: str
) -> None:
    assert gazetteer.locate(latitude, longitude).province == province


def test_a_town_cut_by_a_provincial_border_is_a_place_in_each(gazetteer: Gazetteer) -> None:
    sides = {side: gazetteer.place(f"Lloydminster, {side}") for side in ("AB", "SK")}
    assert all(sides.values())
    assert gazetteer.place("Lloydminster") is None  # which province decides the services
    assert sum(p.population for p in sides.values() if p) == 31_582  # GeoNames' whole town
    area = gazetteer.postal_area("S9V")
    assert area is not None
    assert (area.label, area.province) == ("Lloydminster, SK", "SK")


def test_locate_rural_saskatchewan_is_rural(gazetteer: Gazetteer) -> None:
    locality = gazetteer.locate(51.95, -105.55)  # farmland between Saskatoon and Humboldt
    assert locality.province == "SK"
    assert locality.area_type == "rural"


def test_locate_farmland_near_a_city_is_rural(gazetteer: Gazetteer) -> None:
    locality = gazetteer.locate(52.30, -106.95)  # ~25 km north-west of Saskatoon
    assert locality.province == "SK"
    assert locality.area_type == "rural"


def test_locate_mississauga_is_suburban(gazetteer: Gazetteer) -> None:
    locality = gazetteer.locate(43.5890, -79.6441)
    assert locality.province == "ON"
    assert locality.area_type == "suburban"


def test_locate_far_north_point_returns_a_locality(gazetteer: Gazetteer) -> None:
    locality = gazetteer.locate(82.5, -62.3)  # Alert, Nunavut
    assert locality.province == "NU"
    assert locality.area_type == "rural"


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(60.0, -120.0), (55.0, -100.0), (50.5, -90.0), (49.2, -68.0), (46.0, -81.5), (69.0, -105.0)],
)
def test_locate_outside_towns_labels_brute_force_nearest_place(
    gazetteer: Gazetteer, latitude: float, longitude: float
) -> None:
    # The nearest place of the province the point is in, on the point's side of the 60th
    # parallel where that is the border between provinces and territories.
    locality = gazetteer.locate(latitude, longitude)
    places = [p for p in gazetteer.places if p.province == locality.province]
    if -141.0 <= longitude <= -94.8:
        assert (locality.province in {"YT", "NT", "NU"}) == (latitude >= 60.0)
    expected = min(places, key=lambda p: haversine_km(latitude, longitude, p.latitude, p.longitude))
    assert locality.area_type == "rural"
    assert locality.label == expected.label


@pytest.mark.parametrize(("latitude", "longitude"), [(91.0, 0.0), (45.0, -181.0)])
def test_locate_invalid_coordinates_raise_value_error(
    gazetteer: Gazetteer, latitude: float, longitude: float
) -> None:
    with pytest.raises(ValueError, match="invalid coordinates"):
        gazetteer.locate(latitude, longitude)


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Old Crow, YT", "Old Crow, YT"),
        ("Pikangikum", "Pikangikum, ON"),
        ("Listuguj, QC", "Listuguj, QC"),
        ("Grise Fiord", "Grise Fiord, NU"),
        ("Mashteuiatsh", "Mashteuiatsh, QC"),
        ("Dawson, YT", "Dawson, YT"),
    ],
)
def test_communities_too_small_for_geonames_are_places_from_their_postal_codes(
    gazetteer: Gazetteer, query: str, label: str
) -> None:
    """Fly-in and remote communities, many of them First Nations, where a hotline's caller
    may well be: each was an unknown place."""
    place = gazetteer.place(query)
    assert place is not None
    assert (place.label, place.area_type, place.population) == (label, "rural", 0)
    assert gazetteer.locate(place.latitude, place.longitude).label == label


def test_a_municipality_alias_wins_over_hamlets_of_its_name_elsewhere(
    gazetteer: Gazetteer,
) -> None:
    """ "Wilmot" is the township of New Hamburg, ON, and the name of two hamlets of NB and NS
    that Canada Post lists: the township, by far the largest, is meant."""
    place = gazetteer.place("Wilmot")
    assert place is not None
    assert place.label == "New Hamburg, ON"
    assert {p.label for p in gazetteer.search("wilmot")} >= {"Wilmot, NB", "Wilmot, NS"}


def test_canada_posts_names_are_written_as_people_write_them(gazetteer: Gazetteer) -> None:
    labels = {place.label for place in gazetteer.places}
    assert "Campbell's Bay, QC" in labels  # not "Campbell'S Bay"
    assert "Saint-Jacques-de-Leeds, QC" in labels  # not "-De-"
    assert not [label for label in labels if "'S " in label or "-De-" in label]


@pytest.mark.parametrize(
    ("where", "latitude", "longitude", "inside"),
    [
        ("Seattle", 47.61, -122.33, False),
        ("Minneapolis", 44.98, -93.27, False),
        ("North Dakota", 46.8, -100.8, False),
        ("Maine", 45.5, -69.0, False),
        ("Anchorage", 61.2, -149.9, False),
        ("Victoria", 48.43, -123.37, True),
        ("Saturna Island", 48.78, -123.15, True),
        ("Quetico park", 48.3, -91.5, True),
        ("Pelee Island", 41.77, -82.68, True),
        ("Gaspésie park", 48.9, -66.0, True),
        # Far from any town, but north of anything American (a review found 118 points of
        # Quebec's forests refused).
        ("La Vérendrye reserve", 48.0, -76.0, True),
        ("Chibougamau's woods", 48.5, -72.0, True),
        ("Vermont's hills", 44.3, -72.6, False),
        ("a Nunavut mine, far from any town", 71.3, -79.3, True),
        ("Detroit, which it cannot tell from Windsor", 42.33, -83.05, True),
    ],
)
def test_a_point_outside_canada_is_told_apart_where_it_surely_is(
    gazetteer: Gazetteer, where: str, latitude: float, longitude: float, inside: bool
) -> None:
    """Seattle was answered as "Gonzales, BC" and Minneapolis as Fort Frances, 400 km off
    (an operator's review)."""
    assert gazetteer.in_canada(latitude, longitude) is inside, where


def test_places_that_geonames_misplaced_are_where_their_postal_codes_are(
    gazetteer: Gazetteer,
) -> None:
    """corrections.csv: each moved to the postal codes bearing its name (an operator was
    answered from the Outaouais for Saint-Boniface, a Mauricie village 240 km east)."""
    with (DATA_DIR / "corrections.csv").open(newline="", encoding="utf-8") as fh:
        fixes = list(csv.DictReader(fh))
    assert len(fixes) >= 5
    for fix in fixes:
        place = gazetteer.place(f"{fix['name']}, {fix['province']}")
        assert place is not None, fix
        moved = haversine_km(
            place.latitude, place.longitude, float(fix["latitude"]), float(fix["longitude"])
        )
        assert moved < 1, fix
        area = gazetteer.locate(place.latitude, place.longitude)
        assert area.province == fix["province"], fix
    sachs = gazetteer.place("Sachs Harbour, NT")  # a community, all its codes at Inuvik
    assert sachs is not None
    assert haversine_km(sachs.latitude, sachs.longitude, 71.99, -125.25) < 10
    boniface = gazetteer.place("Saint-Boniface, QC")
    assert boniface is not None
    assert haversine_km(boniface.latitude, boniface.longitude, 46.50, -72.82) < 10


def test_an_alias_never_names_a_place_far_from_its_municipality(gazetteer: Gazetteer) -> None:
    """South Frontenac (by Kingston) named Sydenham, a place of Grey County 330 km away, the
    only Sydenham of Ontario GeoNames has: no alias is better than that one."""
    assert gazetteer.place("South Frontenac, ON") is None


def test_postal_areas_whose_codes_the_package_stacks_far_away_serve_their_community(
    gazetteer: Gazetteer,
) -> None:
    """fsa_corrections.csv: T4M, Blackfalds, was answered from Airdrie, 126 km south, where
    the package puts every one of its codes."""
    with (DATA_DIR / "fsa_corrections.csv").open(newline="", encoding="utf-8") as fh:
        fixes = list(csv.DictReader(fh))
    assert {fix["prefix"] for fix in fixes} >= {"T4M", "V8E", "V3Z"}
    for fix in fixes:
        area = gazetteer.postal_area(fix["prefix"])
        assert area is not None, fix
        moved = haversine_km(
            area.latitude, area.longitude, float(fix["latitude"]), float(fix["longitude"])
        )
        assert moved < 1, fix
    for prefix, label in [("T4M", "Blackfalds, AB"), ("V8E", "Whistler, BC")]:
        area = gazetteer.postal_area(prefix)
        assert area is not None
        assert gazetteer.locality_for_postal_area(area).label == label


@pytest.mark.parametrize(
    ("query", "latitude", "longitude"),
    [
        ("Old Crow, YT", 67.57, -139.83),
        ("Paulatuk, NT", 69.35, -124.07),
        ("Ulukhaktok, NT", 70.74, -117.78),
        ("Stony Rapids, SK", 59.25, -105.83),
        ("Shamattawa, MB", 55.85, -92.08),
        # One code at the community, one where its mail goes (corrections.csv): their median
        # put Island Lake 272 km from Island Lake (a review).
        ("Island Lake, MB", 53.86, -94.67),
        ("Kingfisher Lake, ON", 53.03, -89.82),
        ("Muskrat Dam, ON", 53.39, -91.81),
        ("Deer Lake, ON", 52.62, -94.06),
        ("Oba, ON", 49.09, -84.04),
        ("Saint-Augustin-Saguenay, QC", 51.23, -58.65),
        ("Listuguj, QC", 48.02, -66.70),
        ("Mud Lake, NL", 53.30, -60.17),
        ("Denny Island, BC", 52.12, -128.02),
    ],
)
def test_a_remote_community_is_where_it_is_not_between_it_and_a_placeholder(
    gazetteer: Gazetteer, query: str, latitude: float, longitude: float
) -> None:
    """Each of these has one code at the community and one at a point the package gives
    many communities' codes; their median put Old Crow 300 km from Old Crow."""
    place = gazetteer.place(query)
    assert place is not None
    assert haversine_km(place.latitude, place.longitude, latitude, longitude) < 15


def test_a_community_whose_codes_lie_far_apart_is_not_placed_between_them(
    gazetteer: Gazetteer,
) -> None:
    """Marie Reine's three codes lie 100 to 250 km apart, and nothing tells which is the
    hamlet: unknown, so the operator is asked for another way to say where, rather than
    answered from a point between them."""
    assert gazetteer.place("Marie Reine, AB") is None


def test_a_search_lists_places_by_their_own_name_before_those_an_alias_names(
    gazetteer: Gazetteer,
) -> None:
    """ "Fort " is Fort McMurray and Fort Erie before Winnipeg (Fort Garry, Fort Rouge, its
    neighbourhoods' aliases), although Winnipeg has more people; an alias alone still finds
    its place."""
    found = [p.label for p in gazetteer.search("Fort ", limit=50)]
    assert found[0] == "Fort McMurray, AB"
    assert found.index("Fort Erie, ON") < found.index("Winnipeg, MB")
    assert [p.label for p in gazetteer.search("Transc")] == ["Winnipeg, MB"]
    assert [p.label for p in gazetteer.search("St. ", limit=1)] == ["St. Catharines, ON"]


def test_labrador_names_the_province_of_a_town_not_a_service_area() -> None:
    """ "Nain, Labrador" is Nain, NL; but an imported service area "Labrador" is not all of
    Newfoundland and Labrador (a review: a Labrador-only service became island-wide)."""
    assert parse_province("Labrador") is None
    assert parse_province("Lab") is None


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Eabametoong, ON", "Eabamet Lake, ON"),
        ("Fort Hope", "Eabamet Lake, ON"),
        ("Neskantaga", "Lansdowne House, ON"),
        ("Wapekeka", "Angling Lake, ON"),
        ("Kitchenuhmaykoosib Inninuwug", "Big Trout Lake, ON"),
        ("Mishkeegogamang", "Osnaburgh House, ON"),
        ("Tataskweyak", "Split Lake, MB"),
        ("Pimicikamak", "Cross Lake, MB"),
        ("Garden Hill, MB", "Island Lake, MB"),
        ("Matimekush", "Schefferville, QC"),
        ("Wekweètì", "Wekweti, NT"),
        ("Rae-Edzo", "Behchokǫ̀, NT"),
        ("Igluligaarjuk", "Chesterfield Inlet, NU"),
        ("Qamani'tuaq", "Baker Lake, NU"),
        # Inuktitut names of Nunavut's communities, older names of Nunavik's, a Gwich'in
        # and two First Nations' own: each was "no such place" (a review of fly-in calls).
        ("Mittimatalik", "Pond Inlet, NU"),
        ("Iqaluktuuttiaq", "Cambridge Bay, NU"),
        ("Kangiqtiniq", "Rankin Inlet, NU"),
        ("Panniqtuuq", "Pangnirtung, NU"),
        ("Salliq", "Coral Harbour, NU"),
        ("Uqsuqtuuq", "Gjoa Haven, NU"),
        ("Ikpiarjuk", "Arctic Bay, NU"),
        ("Kangiqtugaapik", "Clyde River, NU"),
        ("Qausuittuq", "Resolute, NU"),
        ("Aujuittuq", "Grise Fiord, NU"),
        ("Teetł'it Zheh", "Fort McPherson, NT"),
        ("Povungnituk", "Puvirnituq, QC"),
        ("Fort Chimo", "Kuujjuaq, QC"),
        ("Poste-de-la-Baleine", "Kuujjuarapik, QC"),
        ("Sugluk", "Salluit, QC"),
        ("Bunibonibee", "Oxford House, MB"),
        ("North Caribou Lake", "Weagamow Lake, ON"),
    ],
)
def test_a_first_nation_or_inuit_community_is_known_by_its_own_name(
    gazetteer: Gazetteer, query: str, label: str
) -> None:
    """A caller from a fly-in community names it as its people do; Canada Post names the
    postal community otherwise (Neskantaga's is Lansdowne House): each was "no such place"
    (a review of northern calls)."""
    place = gazetteer.place(query)
    assert place is not None
    assert place.label == label


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("X0A 0H0", "Iqaluit, NU"),
        ("R0B 0T0", "Island Lake, MB"),
        ("R0B 0E4", "Island Lake, MB"),  # its code placed at Churchill: the community it names
        ("P0V 1Z0", "Kingfisher Lake, ON"),  # ... at Dryden
        ("X0E 0Z0", "Sachs Harbour, NT"),  # every code at Inuvik; the place corrected
        ("T0K 0C0", None),  # Bellevue in Crowsnest Pass, not Edmonton's, 450 km off (a review)
        ("T0K 2R0", None),  # Glenwood by Cardston, likewise
        ("S0H 3M0", None),  # Prairie View by Swift Current, not Regina's
        ("N2L 3G1", None),  # urban: a block of Waterloo, never kept whole
        ("X0A", None),  # a prefix alone
        # Rural areas narrower than 50 km, whose point may still be tens of km from the
        # town (a review of migrant farm workers' calls): C0A's 80 km from Souris.
        ("C0A 2B0", "Souris, PE"),
        ("C0B 2B0", "Tignish, PE"),
        ("J0L 2L0", "Saint-Rémi, QC"),
        ("V0H 1T0", "Oliver, BC"),
        ("N0P 2P0", "Wheatley, ON"),
    ],
)
def test_a_whole_rural_code_names_its_community_or_nothing(
    gazetteer: Gazetteer, code: str, label: str | None
) -> None:
    community = gazetteer.rural_community(code)
    assert (community.label if community else None) == label


@pytest.mark.parametrize(
    ("code", "label", "latitude", "longitude"),
    [
        ("P0L 1B0", "Constance Lake, ON", 49.81, -84.12),  # was by Ottawa, 620 km off
        ("P0V 3G0", "Keewaywin, ON", 53.07, -92.83),  # was by Thunder Bay, 560 km off
        ("P0M 1S0", "Falconbridge, ON", 46.58, -80.80),  # was by London
        ("P0T 2R0", "Rossport, ON", 48.83, -87.52),  # was by Red Lake
        ("T0A 1C0", "Kehewin, AB", 54.05, -110.88),  # was north of Fort McMurray
        ("S0J 2E1", "Sturgeon Lake, SK", 53.41, -105.95),  # was in the far north
    ],
)
def test_a_community_its_postal_codes_misplace_is_where_it_is(
    gazetteer: Gazetteer, code: str, label: str, latitude: float, longitude: float
) -> None:
    """The package put these communities' codes, and so the communities, hundreds of km off:
    a caller from Constance Lake First Nation was told of an Ottawa shelter "23.9 km" away,
    the nearest being 436 km (a review of fly-in calls). By its code and by its name alike,
    the community is where corrections.csv says it is."""
    community = gazetteer.rural_community(code)
    place = gazetteer.place(label)
    assert community is not None
    assert place is not None
    assert community.label == place.label == label
    for found in (community, place):
        assert haversine_km(found.latitude, found.longitude, latitude, longitude) < 5.0


def test_every_region_too_wide_for_its_prefix_keeps_its_whole_codes(gazetteer: Gazetteer) -> None:
    """Where a prefix alone is refused (too wide to place a person), the whole code that the
    match schema keeps names the community: every such prefix is rural."""
    from schemas.match import is_rural_postal_code
    from service.usecases.match import WIDE_PREFIX_KM

    wide = {a.prefix for a in gazetteer.postal_areas if gazetteer.spread_km(a) > WIDE_PREFIX_KM}
    assert len(wide) > 40
    assert all(is_rural_postal_code(f"{prefix}1A0") for prefix in wide)


@pytest.mark.parametrize(
    ("prefix", "label", "compact"),
    [
        ("E1W", "Caraquet, NB", True),  # was Tracadie-Sheila, 30 km off: codes stacked there
        ("J0L", "Saint-Philippe, QC", False),  # was Saint-Hubert, in Longueuil, "compact"
        ("J0A", "Tingwick, QC", False),  # Warwick and Danville listings were put on one point
        ("C0A", "Charlottetown, PE", False),
        # A rural post office's point, many codes of a few localities, is no placeholder: left
        # out, it made E7J look compact and put its listings 27 km from their town (a review).
        ("E7J", "Florenceville-Bristol, NB", False),
        ("E6A", "Upper Miramichi, NB", False),
    ],
)
def test_a_postal_areas_point_and_spread_leave_out_the_packages_placeholders(
    gazetteer: Gazetteer, prefix: str, label: str, compact: bool
) -> None:
    """Where the postal data stacks codes of several communities on one point (19 of J0L's
    41), that point is not the area's, nor does it make the area look compact: a listing
    given such a postal code and no coordinates is placed at its municipality (a review of
    migrant farm workers' calls)."""
    area = gazetteer.postal_area(prefix)
    assert area is not None
    assert area.label == label
    assert (gazetteer.spread_km(area) < 5) is compact


def test_a_name_two_towns_of_a_province_bear_is_asked_about_not_guessed(
    gazetteer: Gazetteer,
) -> None:
    """Canada Post's Saint-Bruno is Saint-Bruno-de-Montarville's 26,000 people; GeoNames' is
    in Lac-Saint-Jean, 349 km away, where "Saint-Bruno, QC" placed them. GeoNames' point of
    Saint-Isidore lay 600 km from the municipality its postal codes name (a review)."""
    assert gazetteer.place("Saint-Bruno, QC") is None
    assert gazetteer.shared_in_province("Saint-Bruno, QC")
    assert gazetteer.shared_in_province("L'Ange-Gardien, QC")
    montarville = gazetteer.place("Saint-Bruno-de-Montarville")
    assert montarville is not None
    saint_isidore = gazetteer.place("Saint-Isidore, QC")
    assert saint_isidore is not None
    assert haversine_km(saint_isidore.latitude, saint_isidore.longitude, 46.58, -71.08) < 5
