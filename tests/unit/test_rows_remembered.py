"""The memory of what was built from rows: keyed by the whole rows, bounded."""

import uuid

from service.matching.types import Candidate
from service.repository.rows import Remembered


def _entry(number: int) -> tuple[tuple[tuple[object, ...], ...], tuple[uuid.UUID, Candidate]]:
    service_id = uuid.UUID(int=number)
    rows = ((service_id.hex, number, "2026-11-29 10:00:00"),)
    return rows, (service_id, Candidate(service_id=str(service_id), categories=frozenset()))


def test_a_changed_row_is_a_new_key() -> None:
    remembered = Remembered[tuple[uuid.UUID, Candidate]](10)
    rows, value = _entry(1)
    remembered.put(rows, value)
    assert remembered.get(rows) == value
    changed = ((rows[0][0], 2, rows[0][2]),)
    assert remembered.get(changed) is None


def test_when_full_the_oldest_half_is_forgotten() -> None:
    remembered = Remembered[tuple[uuid.UUID, Candidate]](10)
    entries = [_entry(number) for number in range(11)]
    for rows, value in entries:
        remembered.put(rows, value)
    assert len(remembered.known) == 6
    assert all(remembered.get(rows) is None for rows, _ in entries[:5])
    assert all(remembered.get(rows) == value for rows, value in entries[5:])
