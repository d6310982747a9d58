"""Writing one parsed release into the database, in one transaction.

Each record's version for that release, then the current state of every code it
touches, then the search index. Loading the same data twice writes nothing; a load
that would leave codes unlisted is refused first (`codes.importer.guard`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter

from django.db import transaction

from codes.dataversion import record_change
from codes.importer import guard
from codes.importer.bulk import (
    copy_new_codes,
    ensure_codes,
    insert_many,
    record_columns,
    refresh_chunk,
    refresh_statistics,
    values_by_column,
)
from codes.importer.parse import (
    CodeRecord,
    ParsedRelease,
    ReleaseFiles,
    cycle_collection_paused,
    record_key,
)
from codes.models import Code, CodeVersion, ProcessingNote, Release
from codes.search import rebuild_index


@dataclass
class ImportStats:
    release: str
    records_read: int = 0
    procedures: int = 0
    modifiers: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    notes: int = 0
    release_created: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.release_created)


def is_loaded(files: ReleaseFiles, name: str) -> bool:
    """Whether exactly this file is already loaded as this release (so importing is a no-op)."""

    return Release.objects.filter(
        name=name, sha256=files.sha256, source_name=files.record_name
    ).exists()


def load(parsed: ParsedRelease, *, allow_removals: bool = False) -> ImportStats:
    """Write one release in one transaction; loading identical data again writes nothing.

    Unless `allow_removals`, a load that would leave codes unlisted is refused first
    (see `codes.importer.guard`).
    """

    stats = ImportStats(
        release=parsed.name,
        records_read=len(parsed.records),
        procedures=parsed.procedure_count,
        modifiers=parsed.modifier_count,
    )
    with cycle_collection_paused(), transaction.atomic():
        if not allow_removals:
            guard.check(parsed)
        record_change()  # codes.dataversion: pages of the state before this are never served
        release, stats.release_created = Release.objects.get_or_create(
            name=parsed.name,
            defaults={
                "effective_date": parsed.effective_date,
                "source_name": parsed.source_name,
                "sha256": parsed.sha256,
                "procedure_count": stats.procedures,
                "modifier_count": stats.modifiers,
            },
        )
        _update_release_source(release, parsed, stats)
        touched = _load_versions(parsed.records, release, stats)
        stats.notes = _load_notes(parsed.notes, release)
        if stats.changed:
            refresh_current(touched)
            rebuild_index()
            refresh_statistics()
    return stats


def _update_release_source(release, parsed: ParsedRelease, stats: ImportStats) -> None:
    """The same release read from another file (the .xlsx after the .txt) keeps one row."""
    if stats.release_created or (release.sha256, release.source_name) == (
        parsed.sha256,
        parsed.source_name,
    ):
        return
    release.source_name, release.sha256 = parsed.source_name, parsed.sha256
    release.procedure_count, release.modifier_count = stats.procedures, stats.modifiers
    release.save()


def _load_versions(records: list[CodeRecord], release, stats: ImportStats) -> set[int]:
    """Write this release's versions; returns the ids of the codes whose versions changed."""

    columns = record_columns()
    row_of = attrgetter(*columns)
    keys = list(map(record_key, records))
    code_ids, first_seen = ensure_codes(records, keys, release, columns)
    existing = {}
    if not stats.release_created:
        existing = {
            (row[0], row[1]): row
            for row in CodeVersion.objects.filter(release=release).values_list(
                "kind", "code", "pk", "code_ref", *columns
            )
        }
    copies, written, stale_pks, touched = [], [], [], set()
    for record, key in zip(records, keys, strict=True):
        code_id = code_ids[key]
        if key in first_seen:
            # A code first seen here has no versions yet, and its row holds this record.
            copies.append((record.source_line, code_id))
            continue
        old = existing.pop(key, None)
        if old is not None and old[4:] == row_of(record):
            stats.unchanged += 1
            continue
        if old is None:
            stats.created += 1
        else:
            stats.updated += 1
            stale_pks.append(old[2])
        touched.add(code_id)
        written.append(record)
    stats.created += len(copies)
    stale_pks += [old[2] for old in existing.values()]
    touched |= {old[3] for old in existing.values()}
    stats.removed = len(existing)
    for chunk in _chunks(stale_pks, 500):
        CodeVersion.objects.filter(pk__in=chunk).delete()
    insert_many(
        CodeVersion,
        ["release_id", "code_ref_id", "source_line", *columns],
        [
            repeat(release.pk),
            [code_ids[record_key(r)] for r in written],
            [r.source_line for r in written],
            *values_by_column(written, columns),
        ],
    )
    copy_new_codes(columns, copies)
    return touched


def _load_notes(notes: dict[str, str], release) -> int:

    if not notes:
        return 0
    existing = dict(ProcessingNote.objects.filter(release=release).values_list("number", "text"))
    if existing == notes:
        return 0
    ProcessingNote.objects.filter(release=release).delete()
    ProcessingNote.objects.bulk_create(
        ProcessingNote(release=release, number=number, text=text) for number, text in notes.items()
    )
    return len(notes)


def refresh_current(code_ids: Iterable[int] | None = None) -> None:
    """Give codes the fields of their newest version; drop codes with no version left.

    `code_ids` limits the work to the codes an import touched (None: every code). The
    database finds each code's newest version and copies its values itself: only ids
    pass through Python, and only each code's own versions are looked at, so the cost
    hardly grows with the number of releases kept.
    """

    ids = list(Code.objects.values_list("pk", flat=True) if code_ids is None else code_ids)
    for chunk in _chunks(ids, 500):
        refresh_chunk(chunk)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def remove_release(name: str) -> int:
    """Delete a release and put every code back as if it had never been loaded."""

    with transaction.atomic():
        release = Release.objects.get(name=name)
        touched = list(release.versions.values_list("code_ref", flat=True))
        CodeVersion.objects.filter(release=release).delete()
        # Codes whose current data came from this release move to another release row
        # first (the foreign key protects it); refresh_current then sets the right one.
        fallback = Release.objects.exclude(pk=release.pk).order_by("-effective_date").first()
        if fallback is None:
            Code.objects.all().delete()
        else:
            Code.objects.filter(release=release).update(release=fallback)
        release.delete()
        refresh_current(touched)
        rebuild_index()
        refresh_statistics()
    return len(touched)
