"""How codes change from release to release, computed from their stored versions.

Every release keeps its own copy of each record (`CodeVersion`), so history is a
comparison of neighbouring releases in effective-date order, never something stored:
importing an older release later, or removing one, changes the answer without any
bookkeeping. Releases are compared with the one loaded just before them, so a missing
release shows its changes in the next one loaded.

* `code_history(code)`: one `HistoryEntry` per release in which the code changed, newest
  first (one query: every release, each with the code's version in it or none).
* `compare_releases(release)`: what one release changed against the one before it, as
  set operations on the two releases' versions keyed by code (two queries).
* `release_summaries()`: counts for every release at once, aggregated by the database
  and cached per pair of neighbouring releases, so the list stays fast with forty
  releases (one query, three when a pair is new).

Procedures and modifiers are keyed apart (`code_ref` is unique per kind and code).
The action code and action effective date describe a change rather than the code, and
CMS resets them every release, so they are shown beside each change but never count as
one on their own. The sequence number is the record's place in the file, and its width
differs between the text file (00100) and the workbook (0010), so it is not compared.
Descriptions are compared exactly as published, so the counts are those of a plain
comparison of the files; a change of spacing alone is flagged as such on the pages.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import hashlib
import itertools
from dataclasses import dataclass, field, replace
from datetime import date

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from codes import layout, reference
from codes.code_shapes import CPT_CODE
from codes.compiled import CompiledQuery
from codes.models import (
    CmsRecord,
    Code,
    CodeVersion,
    Kind,
    Release,
    code_page_url,
)
from codes.presentation import iso_date

BOOKKEEPING = ("sequence_number", "action_code", "action_effective_date")
IDENTITY = ("kind", "code")
DESCRIPTIONS = ("long_description", "short_description")
MODIFIERS = "modifiers"
CROSS_REFERENCES = layout.repeated_columns("cross_references")

EVENT_LABELS = {
    "listed": "First listed",
    "added": "Added",
    "reappeared": "Listed again",
    "disappeared": "No longer listed",
    "terminated": "Terminated",
    "reactivated": "Termination removed",
    "description": "Description changed",
    "changed": "Fields changed",
}


@functools.cache
def compared_columns() -> tuple[str, ...]:
    """The record columns whose change is a change of the code."""
    return tuple(c for c in CmsRecord.record_field_names() if c not in (*IDENTITY, *BOOKKEEPING))


@functools.cache
def _field_units() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(glossary key, columns) in record-layout order; repeated fields form one unit."""
    units: dict[str, list[str]] = {}
    for column in compared_columns():
        units.setdefault(layout.glossary_key(column), []).append(column)
    return tuple((key, tuple(columns)) for key, columns in units.items())


def field_label(key: str) -> str:
    doc = reference.FIELD_DOCS.get(key)
    if doc is not None:
        return doc.label
    if key == "unparsed":
        return "Values published outside their format"
    return key.replace("_", " ").capitalize()


# Diffs and shown values ---------------------------------------------------------------


def word_diff(old: str, new: str) -> SafeString:
    """`new` against `old` word by word: removed words in <del>, added ones in <ins>."""
    before, after = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape(" ".join(before[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(f"<del>{escape(' '.join(before[i1:i2]))}</del>")
        if tag in ("insert", "replace"):
            parts.append(f"<ins>{escape(' '.join(after[j1:j2]))}</ins>")
    # Safe: every piece of text was escaped above; only the del/ins tags are markup.
    return mark_safe(" ".join(parts))


def _shown_one(key: str, value) -> str:
    if value is None or value == "" or value == {}:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {v}" for k, v in sorted(value.items()))
    text = str(value)
    doc = reference.FIELD_DOCS.get(key)
    meaning = reference.decode(doc.table, text) if doc is not None and doc.table else None
    return f"{text} ({meaning})" if meaning else text


def shown_value(key: str, values: tuple) -> str:
    """A field's value as text; a repeated field lists its occurrences, blanks as '-'."""
    if len(values) == 1:
        return _shown_one(key, values[0])
    shown = [_shown_one(key, v) for v in values]
    while shown and not shown[-1]:
        shown.pop()
    return ", ".join(s or "-" for s in shown)


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old: str
    new: str
    diff: SafeString | None = None

    @property
    def spacing_only(self) -> bool:
        """True when only the spaces between the words changed (a doubled space, say)."""
        return self.old != self.new and self.old.split() == self.new.split()


def field_changes(old: dict, new: dict) -> list[FieldChange]:
    """Every field that differs between two records' values, in record-layout order."""
    changes = []
    for key, columns in _field_units():
        before = tuple(old[c] for c in columns)
        after = tuple(new[c] for c in columns)
        if before == after:
            continue
        diff = word_diff(before[0], after[0]) if key in DESCRIPTIONS else None
        changes.append(
            FieldChange(
                key, field_label(key), shown_value(key, before), shown_value(key, after), diff
            )
        )
    return changes


# A code's history -----------------------------------------------------------------------


@dataclass
class HistoryEntry:
    """What one release changed about a code, or (`ended` set) the code's termination,
    dated by its termination date and naming the release that first published it."""

    release: Release
    events: list[str]
    version: CodeVersion | None = None
    previous: CodeVersion | None = None
    changes: list[FieldChange] = field(default_factory=list)
    ended: date | None = None
    compared_with: Release | None = None  # the release loaded before `release`

    @property
    def missing_releases(self) -> list[str]:
        """Quarterly releases between `compared_with` and `release` that are not loaded:
        the change may have happened in any of them."""
        if self.compared_with is None:
            return []
        return quarters_between(self.compared_with.effective_date, self.release.effective_date)

    @property
    def date(self) -> date:
        return self.ended or self.release.effective_date

    @property
    def is_termination(self) -> bool:
        return self.ended is not None

    @property
    def badges(self) -> list[tuple[str, str]]:
        return [(e, EVENT_LABELS[e]) for e in self.events]

    @property
    def action_code(self) -> str:
        return self.version.action_code if self.version else ""

    @property
    def action_meaning(self) -> str | None:
        return self.version.action_meaning if self.version else None

    @property
    def action_effective_date(self) -> datetime.date | None:  # `date` is the property above
        return self.version.action_effective_date if self.version else None


@dataclass
class CodeHistory:
    code: Code
    entries: list[HistoryEntry]
    releases: list[Release]
    last_seen: Release | None

    @property
    def current_release(self) -> Release | None:
        return self.releases[-1] if self.releases else None

    @property
    def in_current_release(self) -> bool:
        return self.last_seen is not None and self.last_seen == self.current_release


def _values(version: CodeVersion) -> dict:
    return {c: getattr(version, c) for c in compared_columns()}


def _releases_with_version(kind: str, code: str) -> QuerySet[Release]:
    """Every release oldest first, each with the code's version in it (`code_version`,
    None where the release does not list the code)."""
    in_release = Q(versions__kind=kind, versions__code=code)
    return (
        Release.objects.annotate(code_version=FilteredRelation("versions", condition=in_release))
        # The stubs check select_related against model fields, not FilteredRelation names.
        .select_related("code_version")  # type: ignore[misc]
        .order_by("effective_date")
    )


_RELEASES_WITH_VERSION = CompiledQuery(_releases_with_version, kind="\x00kind", code="\x00code")


def code_history(code: Code) -> CodeHistory:
    """The releases in which `code` changed, newest first (one query)."""
    releases = _RELEASES_WITH_VERSION.all(using=Release.objects.db, kind=code.kind, code=code.code)
    # Django sets `code_version` only where the release lists the code.
    versions = {r.pk: r.code_version for r in releases if hasattr(r, "code_version")}
    entries: list[HistoryEntry] = []
    previous: CodeVersion | None = None
    last: CodeVersion | None = None
    last_seen: Release | None = None
    for position, release in enumerate(releases):
        version = versions.get(release.pk)
        if version is None:
            if previous is not None:
                entries.append(HistoryEntry(release, ["disappeared"], previous=previous))
            previous = None
            continue
        version.release = release  # the template names it; no query per row
        if last is None:
            events = ["listed" if position == 0 else "added"]
            changes = []
            if version.termination_date:
                events.append("terminated")
        else:
            changes = field_changes(_values(last), _values(version))
            events = [] if previous is not None else ["reappeared"]
            events += _change_events(last, version, changes)
        if events:
            entries.append(HistoryEntry(release, events, version, last, changes))
        previous = last = version
        last_seen = release
    for entry in entries:
        position = releases.index(entry.release)
        entry.compared_with = releases[position - 1] if position else None
    entries = _dated_terminations(entries)
    entries.sort(key=lambda e: (e.date, not e.is_termination), reverse=True)
    return CodeHistory(code, entries, releases, last_seen)


def _dated_terminations(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """Each termination as an entry of its own on its termination date: a release can
    publish a termination that took effect before it (J0135 ended on 2024-12-31 and
    showed it first in whichever later release is loaded), so the release entry keeps
    only its other events and the fields it changed."""
    dated: list[HistoryEntry] = []
    for entry in entries:
        if "terminated" not in entry.events or entry.version is None:
            dated.append(entry)
            continue
        dated.append(
            HistoryEntry(
                entry.release,
                ["terminated"],
                entry.version,
                entry.previous,
                ended=entry.version.termination_date,
                compared_with=entry.compared_with,
            )
        )
        entry.events = [e for e in entry.events if e != "terminated"]
        others = [c for c in entry.changes if c.key != "termination_date"]
        if entry.events or others:
            dated.append(entry)
    return dated


def _change_events(old, new, changes: list[FieldChange]) -> list[str]:
    events = []
    if new.termination_date and not old.termination_date:
        events.append("terminated")
    elif old.termination_date and not new.termination_date:
        events.append("reactivated")
    keys = {c.key for c in changes}
    if keys & set(DESCRIPTIONS):
        events.append("description")
    # A termination date set or removed is its own event; moving it to another date is not.
    moved_termination = "termination_date" in keys and old.termination_date and new.termination_date
    if keys - {*DESCRIPTIONS, "termination_date"} or moved_termination:
        events.append("changed")
    return events


# Comparing two releases ------------------------------------------------------------------


def section_of(kind: str, code: str) -> str:
    """The section filter value of a code (reference.section_for's slug), or `modifiers`."""
    if kind == Kind.MODIFIER:
        return MODIFIERS
    found = reference.section_for(code)
    return found.slug if found else code[:1]


def section_heading(section: str) -> str:
    if section == MODIFIERS:
        return "Modifiers"
    found = reference.SECTIONS_BY_SLUG.get(section)
    return found.heading if found else f"{section} codes"


# CMS publishes a release each quarter, effective on the first day of these months.
QUARTER_MONTHS = (1, 4, 7, 10)
MONTH_NAMES = {1: "jan", 4: "apr", 7: "jul", 10: "oct"}


def quarters_between(earlier: date, later: date) -> list[str]:
    """The names of the quarterly releases effective after `earlier` and before `later`."""
    names: list[str] = []
    year, month = earlier.year, earlier.month
    while True:
        following = [m for m in QUARTER_MONTHS if m > month]
        year, month = (year, following[0]) if following else (year + 1, QUARTER_MONTHS[0])
        if date(year, month, 1) >= later:
            return names
        names.append(f"{year}-{MONTH_NAMES[month]}")


@dataclass
class ListedCode:
    """One code in one list of a release's changes."""

    kind: str
    code: str
    short_description: str
    action_code: str
    termination_date: date | None = None
    cross_references: tuple[str, ...] = ()
    change: FieldChange | None = None
    url: str = ""
    cross_reference_links: tuple[tuple[str, str], ...] = ()

    added_here: bool = False  # listed for the first time in this release

    @property
    def section(self) -> str:
        return section_of(self.kind, self.code)

    @property
    def section_heading(self) -> str:
        return section_heading(self.section)

    @property
    def is_modifier(self) -> bool:
        return self.kind == Kind.MODIFIER

    @property
    def action_meaning(self) -> str:
        return reference.decode("action", self.action_code) or ""

    def in_section(self, section: str) -> bool:
        """`section` is a section slug, `modifiers`, or a letter (older addresses)."""
        if len(section) == 1:
            return not self.is_modifier and self.code.startswith(section)
        return self.section == section

    def as_json(self) -> dict:
        data: dict[str, object] = {
            "kind": self.kind,
            "code": self.code,
            "short_description": self.short_description,
            "action_code": self.action_code,
        }
        if self.termination_date:
            data["termination_date"] = self.termination_date.isoformat()
            data["cross_references"] = list(self.cross_references)
        if self.change:
            data |= {"old": self.change.old, "new": self.change.new}
        return data


@dataclass
class FieldChanges:
    key: str
    label: str
    codes: list[ListedCode]

    @property
    def count(self) -> int:
        return len(self.codes)


CSV_COLUMNS = [
    "change",
    "kind",
    "code",
    "short_description",
    "action_code",
    "field",
    "old",
    "new",
    "termination_date",
    "cross_references",
]


@dataclass
class ReleaseChanges:
    release: Release
    previous: Release | None
    added: list[ListedCode] = field(default_factory=list)
    terminated: list[ListedCode] = field(default_factory=list)
    disappeared: list[ListedCode] = field(default_factory=list)
    reactivated: list[ListedCode] = field(default_factory=list)
    changed: list[ListedCode] = field(default_factory=list)
    by_field: list[FieldChanges] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    LISTS = ("added", "terminated", "disappeared", "reactivated", "changed")
    csv_columns = CSV_COLUMNS

    def filtered(self, section: str | None) -> ReleaseChanges:
        """The same changes limited to one section letter (or `modifiers`)."""
        if not section:
            return self

        def keep(codes: list[ListedCode]) -> list[ListedCode]:
            return [c for c in codes if c.in_section(section)]

        by_field = [FieldChanges(f.key, f.label, keep(f.codes)) for f in self.by_field]
        return replace(
            self,
            added=keep(self.added),
            terminated=keep(self.terminated),
            disappeared=keep(self.disappeared),
            reactivated=keep(self.reactivated),
            changed=keep(self.changed),
            by_field=[f for f in by_field if f.codes],
        )

    @property
    def section_choices(self) -> list[tuple[str, str]]:
        return [(s, section_heading(s)) for s in self.sections]

    @property
    def missing_releases(self) -> list[str]:
        """Quarterly releases between the two compared that are not loaded: their changes
        are folded into this comparison."""
        if self.previous is None:
            return []
        return quarters_between(self.previous.effective_date, self.release.effective_date)

    @property
    def terminated_when_added(self) -> int:
        """Newly terminated codes that were not listed before (added already terminated)."""
        added = {(c.kind, c.code) for c in self.added}
        return sum((c.kind, c.code) in added for c in self.terminated)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.LISTS}

    def as_json(self) -> dict:
        return {
            "release": self.release.name,
            "previous_release": self.previous.name if self.previous else None,
            **{name: [c.as_json() for c in getattr(self, name)] for name in self.LISTS[:-1]},
            "changed": {f.key: [c.as_json() for c in f.codes] for f in self.by_field},
        }

    def rows(self) -> list[dict]:
        """One flat row per listed code (and per changed field), for CSV."""
        rows = []
        for name in self.LISTS[:-1]:
            for c in getattr(self, name):
                rows.append(_flat_row(name, c))
        for f in self.by_field:
            for c in f.codes:
                rows.append(_flat_row("changed", c, f))
        return rows


def _flat_row(change: str, c: ListedCode, f: FieldChanges | None = None) -> dict:
    return {
        "change": change,
        "kind": c.kind,
        "code": c.code,
        "short_description": c.short_description,
        "action_code": c.action_code,
        "field": f.label if f else "",
        "old": c.change.old if c.change else "",
        "new": c.change.new if c.change else "",
        "termination_date": iso_date(c.termination_date),
        "cross_references": " ".join(c.cross_references),
    }


def previous_release(release: Release, releases: list[Release]) -> Release | None:
    earlier = [r for r in releases if r.effective_date < release.effective_date]
    return earlier[-1] if earlier else None


def compare_releases(release: Release) -> ReleaseChanges:
    """What `release` changed against the release loaded before it (two queries)."""
    releases = list(Release.objects.oldest_first())
    previous = previous_release(release, releases)
    wanted = [release.pk] if previous is None else [release.pk, previous.pk]
    columns = CmsRecord.record_field_names()
    new: dict[int, dict] = {}
    old: dict[int, dict] = {}
    for row in (
        CodeVersion.objects.filter(release__in=wanted)
        .order_by()
        .values("release", "code_ref", *columns)
    ):
        (new if row["release"] == release.pk else old)[row["code_ref"]] = row
    changes = ReleaseChanges(release, previous)
    order = {s.slug: n for n, s in enumerate(reference.SECTION_RANGES)}
    changes.sections = sorted(
        {section_of(v["kind"], v["code"]) for v in [*new.values(), *old.values()]},
        key=lambda s: (s == MODIFIERS, order.get(s, len(order)), s),
    )
    if previous is None:
        return changes
    compared = compared_columns()
    by_field: dict[str, FieldChanges] = {}
    for code_ref in sorted(new.keys() | old.keys(), key=lambda k: _sort_key(new.get(k) or old[k])):
        after, before = new.get(code_ref), old.get(code_ref)
        if after is None:
            changes.disappeared.append(_listed(old[code_ref]))
            continue
        if before is None:
            changes.added.append(_listed(after))
            if after["termination_date"]:
                changes.terminated.append(_listed(after, added_here=True))
            continue
        if after["termination_date"] and not before["termination_date"]:
            changes.terminated.append(_listed(after))
        elif before["termination_date"] and not after["termination_date"]:
            changes.reactivated.append(_listed(after))
        if all(after[c] == before[c] for c in compared):
            continue
        changes.changed.append(_listed(after))
        for change in field_changes(before, after):
            group = by_field.setdefault(change.key, FieldChanges(change.key, change.label, []))
            group.codes.append(_listed(after, change))
    field_order = [key for key, _ in _field_units()]
    changes.by_field = sorted(by_field.values(), key=lambda f: field_order.index(f.key))
    return changes


def _sort_key(values: dict) -> tuple:
    return (values["kind"] != Kind.PROCEDURE, values["code"])


def _listed(values: dict, change: FieldChange | None = None, added_here=False) -> ListedCode:
    refs = tuple(v for v in map(values.__getitem__, CROSS_REFERENCES) if v)
    return ListedCode(
        kind=values["kind"],
        code=values["code"],
        short_description=values["short_description"],
        action_code=values["action_code"],
        termination_date=values["termination_date"],
        cross_references=refs,
        change=change,
        url=code_page_url(values["kind"], values["code"]),
        # A CPT code (Level I) has no page here: it is shown as text, marked CPT.
        cross_reference_links=tuple((r, _cross_reference_url(r)) for r in refs),
        added_here=added_here,
    )


def _cross_reference_url(code: str) -> str:
    return "" if CPT_CODE.fullmatch(code) else code_page_url(Kind.PROCEDURE, code)


# Every release at once --------------------------------------------------------------------


@dataclass
class ReleaseSummary:
    release: Release
    previous: Release | None
    added: int = 0
    terminated: int = 0
    disappeared: int = 0
    changed: int = 0

    @property
    def missing_releases(self) -> list[str]:
        if self.previous is None:
            return []
        return quarters_between(self.previous.effective_date, self.release.effective_date)

    def as_json(self) -> dict:
        return {
            "release": self.release.name,
            "effective_date": self.release.effective_date.isoformat(),
            "procedure_codes": self.release.procedure_count,
            "modifiers": self.release.modifier_count,
            "previous_release": self.previous.name if self.previous else None,
            "added": self.added if self.previous else None,
            "terminated": self.terminated if self.previous else None,
            "disappeared": self.disappeared if self.previous else None,
            "changed": self.changed if self.previous else None,
        }


def release_summaries() -> list[ReleaseSummary]:
    """Every release with its change counts against the one before, newest first.

    The counts are the lengths of `compare_releases` lists. The database computes them
    (one pass over the versions instead of Python loading every release), and each pair
    of neighbouring releases is cached under the identity of both releases: a pair's
    counts change only when one of them is re-imported or their neighbourhood changes,
    so after an import only the new pairs are counted. One query when every pair is
    cached, three otherwise.
    """
    releases = list(Release.objects.oldest_first())
    summaries = [ReleaseSummary(r, releases[i - 1] if i else None) for i, r in enumerate(releases)]
    keys = {s.release.pk: _pair_key(s.release, s.previous) for s in summaries if s.previous}
    counts = cache.get_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in counts]
    if missing:
        computed = _count_changes(missing)
        fresh = {keys[pk]: computed.get(pk, (0, 0, 0, 0)) for pk in missing}
        cache.set_many(fresh, timeout=None)
        counts |= fresh
    for s in summaries:
        if s.previous:
            s.added, s.terminated, s.disappeared, s.changed = counts[keys[s.release.pk]]
    return list(reversed(summaries))


def _pair_key(release: Release, previous: Release) -> str:
    identity = "|".join(
        f"{r.pk}:{r.name}:{r.sha256}:{r.imported_at.isoformat()}" for r in (release, previous)
    )
    return "hcpcs-release-pair:" + hashlib.sha256(identity.encode()).hexdigest()


def _count_changes(release_ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """(added, terminated, disappeared, changed) of these releases against their previous.

    Two queries: the releases' order, then one pass over the versions of the counted
    releases and of the releases before them, each joined to its code's version in the
    release before its own (`previous`) and in the release after (`next`). A release's
    own versions give its added, terminated and changed codes; the versions of the
    release before it, unmatched in the next one, give the codes that disappeared.
    """
    found = {pk: [0, 0, 0, 0] for pk in release_ids}
    order = list(Release.objects.oldest_first().values_list("pk", flat=True))
    previous_of = {pk: prev for prev, pk in itertools.pairwise(order) if pk in found}
    if not previous_of:
        return {pk: _as_counts(values) for pk, values in found.items()}
    next_of = {prev: pk for pk, prev in previous_of.items()}
    counted = Q(release_id__in=list(previous_of))
    listed_before = counted & Q(previous__isnull=False)
    rows = (
        CodeVersion.objects.filter(release_id__in=[*previous_of, *next_of])
        .annotate(previous=_version_in(previous_of), next=_version_in(next_of))
        .order_by()
        .values("release_id")
        .annotate(
            added=Count("pk", filter=counted & Q(previous__isnull=True)),
            # Terminated now, and not before: new, or without a termination date before.
            terminated=Count(
                "pk",
                filter=counted
                & Q(termination_date__isnull=False, previous__termination_date__isnull=True),
            ),
            # Listed in both releases, less those with every compared column equal.
            changed=Count("pk", filter=listed_before)
            - Count("pk", filter=listed_before & _same_as_previous()),
            gone_in_next=Count("pk", filter=Q(release_id__in=list(next_of), next__isnull=True)),
        )
    )
    for row in rows:
        if row["release_id"] in previous_of:
            values = found[row["release_id"]]
            values[0], values[1], values[3] = row["added"], row["terminated"], row["changed"]
        if row["release_id"] in next_of:
            found[next_of[row["release_id"]]][2] = row["gone_in_next"]
    return {pk: _as_counts(values) for pk, values in found.items()}


def _as_counts(values: list[int]) -> tuple[int, int, int, int]:
    added, terminated, disappeared, changed = values
    return added, terminated, disappeared, changed


def _version_in(release_of: dict[int, int]) -> FilteredRelation:
    """The same code's version in the release `release_of` pairs with each version's own
    release (a left join: no version when the code is not listed there)."""
    other_release = Case(
        *(When(release_id=own, then=Value(other)) for own, other in release_of.items()),
        default=None,
        output_field=IntegerField(),
    )
    return FilteredRelation(
        "code_ref__versions", condition=Q(code_ref__versions__release_id=other_release)
    )


def _same_as_previous() -> Q:
    """Every compared column equal to the previous version's, two NULLs counting as
    equal (so a date or a number going from empty to set, or back, is a change)."""
    same = Q()
    for column in compared_columns():
        previous = f"previous__{column}"
        equal = Q(**{column: F(previous)})
        if CodeVersion._meta.get_field(column).null:
            equal |= Q(**{f"{column}__isnull": True, f"{previous}__isnull": True})
        same &= equal
    return same


SUMMARY_COLUMNS = [
    "release",
    "effective_date",
    "procedure_codes",
    "modifiers",
    "previous_release",
    "added",
    "terminated",
    "disappeared",
    "changed",
]


@dataclass
class ReleaseList:
    """The release summaries with the export shape the release pages share."""

    summaries: list[ReleaseSummary]
    csv_columns = SUMMARY_COLUMNS

    def as_json(self) -> list[dict]:
        return [s.as_json() for s in self.summaries]

    def rows(self) -> list[dict]:
        return self.as_json()
