"""Candidates, the matching core's view of a listing, built from stored rows: decoded once
and shared by the database search and the match index."""

import sys
from collections import namedtuple
from enum import StrEnum
from typing import Any
from uuid import UUID

from service.matching.types import Candidate, Point, Site
from service.policy.visibility import matched_point
from service.repository import match as repo
from service.usecases.listings import (
    CATEGORIES,
    DELIVERIES,
    GENDERS,
    PROVINCES,
    STATUSES,
    TRAFFICKING_TYPES,
    from_mask,
)


class _Decoder:
    """The values of a stored mask of one enum; few distinct masks exist, so each is decoded
    once (a dict keyed by the mask alone: hashing the members on every call cost more)."""

    def __init__(self, members: tuple[StrEnum, ...]) -> None:
        self.members = members
        self.known: dict[int, frozenset[str]] = {}

    def __call__(self, mask: int) -> frozenset[str]:
        values = self.known.get(mask)
        if values is None:
            values = frozenset(member.value for member in from_mask(mask, self.members))
            if len(self.known) < 4096:
                self.known[mask] = values
        return values


_categories_of = _Decoder(CATEGORIES)
_genders_of = _Decoder(GENDERS)
_statuses_of = _Decoder(STATUSES)
_trafficking_of = _Decoder(TRAFFICKING_TYPES)
_deliveries_of = _Decoder(DELIVERIES)
_provinces_of = _Decoder(PROVINCES)


def candidate_of(service: Any, locations: list[Any]) -> Candidate:
    """A candidate from a service row (or model) and its location rows, in position order."""
    return Candidate(
        service_id=str(service.id),
        categories=_categories_of(service.categories_mask),
        sites=tuple(
            Site(
                # A confidential place is matched as if at the centre of its cell, so that
                # neither search, reach, scores nor distances can locate it more closely.
                point=Point(
                    *matched_point(
                        location.latitude, location.longitude, confidential=location.confidential
                    )
                ),
                confidential=location.confidential,
                wheelchair_accessible=location.wheelchair_accessible,
            )
            for location in locations
        ),
        genders=_genders_of(service.genders_mask),
        min_age=service.min_age,
        max_age=service.max_age,
        statuses=_statuses_of(service.statuses_mask),
        trafficking_types=_trafficking_of(service.trafficking_types_mask),
        accepts_dependents=service.accepts_dependents,
        trafficking_focus=_trafficking_of(service.trafficking_focus_mask),
        languages=_languages(service.languages),
        delivery=_deliveries_of(service.delivery_mask),
        service_radius_km=service.service_radius_km,
        provinces=_provinces_of(service.provinces_mask),
        nationwide=service.nationwide,
        intake_24_7=service.intake_24_7,
        intake_hours_stated=bool((service.intake_hours or "").strip()),
        referral_required=service.referral_required,
        fees=sys.intern(service.fees),
        beds_total=service.beds_total,
        beds_available=service.beds_available,
        accepting_referrals=service.accepting_referrals,
        id_required=service.id_required,
        police_report_required=service.police_report_required,
        last_verified_at=service.last_verified_at,
        availability_updated_at=service.availability_updated_at,
        eligibility_stated=service.eligibility_stated,
    )


def _languages(codes: list[str]) -> frozenset[str]:
    """The same few sets of languages recur: one shared copy of each (the match index holds
    every listing in memory)."""
    key = tuple(codes)
    found = _LANGUAGE_SETS.get(key)
    if found is None:
        found = frozenset(codes)
        if len(_LANGUAGE_SETS) < 65_536:
            _LANGUAGE_SETS[key] = found
    return found


_LANGUAGE_SETS: dict[tuple[str, ...], frozenset[str]] = {}
_Fields = namedtuple("_Fields", repo.CANDIDATE_FIELDS)  # type: ignore[misc]


def built(rows: tuple[tuple[Any, ...], ...], convert: Any) -> tuple[UUID, Candidate]:
    """A candidate, with its service's id, from the unconverted rows of one service
    (`repo.raw_candidate_rows`), converted by `convert` (`rows.converter`)."""
    fields: list[Any] = [_Fields(*convert(row)) for row in rows]
    located = [row for row in fields if row.latitude is not None]
    return fields[0].id, candidate_of(fields[0], located)
