"""What a code page shows, built once for both the HTML page and its JSON twin.

`code_page(code, current_release)` turns a `Code` into a `CodePage`: every field of the
record as `FieldRow`s in the glossary's reading order (grouped the way a coder reads them),
each value with its meaning from the CMS code table, codes named in the record turned into
links, and the page's surroundings (neighbours, section, codes that refer to this one,
processing note text, contacts). Templates only loop over it and `CodePage.as_json()`
serialises the same rows, so the page and the export cannot drift apart.

A page costs two queries whatever the record holds: the record from `code_record` (with
its neighbours' codes, its note text, its rows in the payment files, and the data
version) and every other code it links (those it names, those naming it, its
neighbours). The page's contact list is rendered once per data version
(codes/templatetags/page_fragments.py).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property, reduce
from operator import or_

from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Trim
from django.urls import reverse

from codes import dataversion, layout, reference
from codes.code_shapes import CODE_IN_TEXT, CPT_CODE
from codes.compiled import CompiledQuery
from codes.models import (
    REPEATED_FIELDS,
    Code,
    CodeVersion,
    DataVersion,
    Kind,
    ProcessingNote,
    Release,
    repeated_columns,
)
from codes.named_field import NamedField
from codes.payments import page_rows
from codes.reference import FIELD_DOCS, FieldDoc

NOT_IN_TABLE = "not in the CMS code table"
UNPARSED_MEANING = "published in a form this field does not allow; shown as CMS wrote it"

# Model fields that are not fields of the CMS record: `unparsed` keeps values CMS wrote in an
# unexpected form, and they are shown in the rows of the columns they belong to.
FOLDED_FIELDS = frozenset({"unparsed"})

# Fields grouped in the order a coder reads them; together they are FIELD_DOCS in order.
FIELD_GROUPS = layout.GROUPS

# The decoded values that decide a claim, shown at the top of the page in this order.
SUMMARY_FIELDS: tuple[str, ...] = (
    "coverage_code",
    "pricing_indicators",
    "multiple_pricing_indicator",
    "betos_code",
    "type_of_service_codes",
    "processing_note",
    "action_code",
    "action_effective_date",
    "date_added",
)
# Shorter labels for the summary, where nine values share the first screen of a phone.
SUMMARY_LABELS = {
    "coverage_code": "Coverage",
    "pricing_indicators": "Pricing",
    "multiple_pricing_indicator": "Multiple pricing",
    "betos_code": "BETOS",
    "date_added": "Added",
    "action_code": "Action",
    "action_effective_date": "Action effective",
}
# Shown in the page's heading, so not again in the field table.
HEADING_FIELDS = frozenset({"long_description", "short_description"})
# The record's identity and place in the file: read least, listed last.
RECORD_GROUP = "identification"
# Fields CMS never fills for a modifier (none of the loaded releases does): a modifier
# page leaves them out instead of listing them blank.
PROCEDURE_ONLY_FIELDS = frozenset(
    {
        "pricing_indicators",
        "multiple_pricing_indicator",
        "statute",
        "lab_certifications",
        "asc_group",
        "asc_effective_date",
        "opps_group",
        "opps_indicator",
        "opps_effective_date",
        "betos_code",
        "type_of_service_codes",
        "anesthesia_base_units",
    }
)
TITLE_LIMIT = 70
# A long description up to this length is the page heading itself (most are: the median
# is 71 characters); a longer one is shortened for the heading and shown in full below.
HEADING_LIMIT = 120
# Where a long description may be cut for a title: after a clause, before a parenthesis.
STRONG_END = re.compile(r"[;:](?=\s)")
CLAUSE_END = re.compile(r"[;:,](?=\s)|\s(?=\()")
# CMS marks the items of a long description with "++" (G0556 has a dozen).
ITEM_MARKER = re.compile(r"\s*(?=\+\+)")


def applies_to(kind: str, field_name: str) -> bool:
    return kind != Kind.MODIFIER or field_name not in PROCEDURE_ONLY_FIELDS


def short_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """A title from a long description: whole when short, else cut at its first ";" or
    ":" (CMS puts the service before them), else after its last clause that fits, else
    after a word with an ellipsis; always with a capital first letter."""
    text = " ".join((text or "").split())
    if len(text) > limit:
        strong = [m.start() for m in STRONG_END.finditer(text, 0, limit + 1) if m.start() >= 20]
        clauses = [m.start() for m in CLAUSE_END.finditer(text, 0, limit + 1) if m.start() >= 20]
        if strong or clauses:
            text = text[: (strong or clauses[-1:])[0]]
        else:
            text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:- ") + "…"
    return text[:1].upper() + text[1:]


# A Level II code written anywhere in a text, in any case ("do not use with s9330").
CPT_MEANING = "a CPT (Level I) code, published by the AMA and not part of this file"


def is_cpt(code: str) -> bool:
    return bool(CPT_CODE.fullmatch(code or ""))


def columns_of(doc_name: str) -> list[str]:
    """The model columns a glossary entry explains."""
    if doc_name in REPEATED_FIELDS:
        return repeated_columns(doc_name)
    return [doc_name]


def codes_in_text(text: str) -> list[str]:
    """Level II codes mentioned in a text, upper-cased, in order of first mention."""
    return list(dict.fromkeys(m.upper() for m in CODE_IN_TEXT.findall(text or "")))


@dataclass(frozen=True)
class TextPart:
    """A piece of text; `url` is set when the piece names a code that has a page."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class CodeLink:
    """A code named by this record (or naming it), with what the data says about it."""

    code: str
    url: str = ""
    short_description: str = ""
    terminated: bool = False

    @property
    def is_cpt(self) -> bool:
        return is_cpt(self.code)

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "url": self.url or None,
            "short_description": self.short_description or None,
            "terminated": self.terminated,
        }


@dataclass(frozen=True)
class ShownValue:
    """One published value of a field, formatted, with its meaning where it is coded."""

    text: str
    meaning: str = ""
    in_table: bool | None = None  # None: the field has no code table
    occurrence: int | None = None  # 1-based place in a repeated field
    url: str = ""  # the page of the code this value names
    parts: tuple[TextPart, ...] = ()  # the text with the codes it names linked
    source: str = ""  # where the meaning comes from, when not this record's release

    @property
    def unknown(self) -> bool:
        return self.in_table is False

    @property
    def is_cpt(self) -> bool:
        return self.meaning == CPT_MEANING

    def as_json(self) -> dict:
        data: dict[str, object] = {"value": self.text, "meaning": self.meaning or None}
        if self.in_table is not None:
            data["in_code_table"] = self.in_table
        if self.occurrence is not None:
            data["occurrence"] = self.occurrence
        if self.url:
            data["url"] = self.url
        if self.source:
            data["source"] = self.source
        return data


@dataclass(frozen=True)
class FieldRow(NamedField):
    columns: tuple[str, ...]
    values: tuple[ShownValue, ...]
    empty_meaning: str = ""  # what a blank means, when the layout defines it

    @property
    def summary_label(self) -> str:
        return SUMMARY_LABELS.get(self.doc.name, self.doc.label)

    @property
    def tip_id(self) -> str:
        return f"tip-{self.doc.name}"

    @property
    def is_empty(self) -> bool:
        return not self.values

    @property
    def is_repeated(self) -> bool:
        return self.doc.repeats > 1

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "columns": list(self.columns),
            "glossary": self.doc.short,
            "values": [v.as_json() for v in self.values],
            "empty_meaning": self.empty_meaning or None,
        }


@dataclass(frozen=True)
class FieldGroup:
    key: str
    heading: str
    rows: tuple[FieldRow, ...]

    @property
    def filled_rows(self) -> list[FieldRow]:
        return [r for r in self.rows if not r.is_empty]

    @property
    def empty_rows(self) -> list[FieldRow]:
        return [r for r in self.rows if r.is_empty]


@dataclass(frozen=True)
class NoteText:
    number: str
    text: str
    release: str
    from_other_release: bool


@dataclass(frozen=True)
class Section:
    label: str
    heading: str
    url: str


@dataclass
class CodePage:
    code: Code
    groups: list[FieldGroup]
    description: tuple[TextPart, ...]
    cross_references: list[CodeLink]
    mentioned: list[CodeLink]
    referenced_by: list[CodeLink]
    previous: CodeLink | None
    next: CodeLink | None
    section: Section
    note: NoteText | None
    current_release: Release | None = None
    rows_by_name: dict[str, FieldRow] = field(default_factory=dict)
    _known: dict[str, CodeLink] = field(default_factory=dict, repr=False)

    @property
    def heading(self) -> str:
        """The long description for the page heading: whole when short, else shortened."""
        text = self.code.long_description or self.code.short_description
        return text[:1].upper() + text[1:] if self.description_in_heading else short_title(text)

    @property
    def description_in_heading(self) -> bool:
        text = self.code.long_description
        return bool(text) and len(text) <= HEADING_LIMIT and "++" not in text

    @property
    def description_after_facts(self) -> bool:
        """A description too long for the heading (G0556 has 4,501 characters) follows the
        summary's values instead of pushing them off the first screen."""
        return not self.description_in_heading

    @property
    def title(self) -> str:
        noun = "Modifier" if self.code.is_modifier else "HCPCS code"
        return f"{noun} {self.code.code}: {self.heading}"

    @property
    def description_lines(self) -> list[tuple[TextPart, ...]]:
        """The long description verbatim, one line per CMS "++" item."""
        text = self.code.long_description
        return [
            linked_parts(piece, self._known, self.code.code)
            for piece in ITEM_MARKER.split(text or "")
            if piece.strip()
        ]

    @property
    def status(self) -> str:
        if not self.code.is_terminated:
            return "active"
        return "pending" if self.termination_pending else "terminated"

    @property
    def summary(self) -> list[FieldRow]:
        """The rows that decide a claim, in SUMMARY_FIELDS order (blank ones included)."""
        return [
            self.rows_by_name[name]
            for name in SUMMARY_FIELDS
            if applies_to(self.code.kind, name) and name in self.rows_by_name
        ]

    @cached_property
    def table_groups(self) -> list[FieldGroup]:
        """The field table below the summary: every other field that applies to the
        record's kind, each once, filled rows only, the record's identity last."""
        shown = []
        for group in [*self.groups[1:], self.groups[0]]:
            rows = tuple(
                row
                for row in group.rows
                if row.name not in SUMMARY_FIELDS
                and row.name not in HEADING_FIELDS
                and applies_to(self.code.kind, row.name)
            )
            heading = "The CMS record" if group.key == RECORD_GROUP else group.heading
            shown.append(FieldGroup(group.key, heading, rows))
        return shown

    @property
    def filled_groups(self) -> list[FieldGroup]:
        return [g for g in self.table_groups if g.filled_rows]

    @property
    def blank_rows(self) -> list[FieldRow]:
        """Table fields blank in this record, named together in one line."""
        return [row for group in self.table_groups for row in group.empty_rows]

    @property
    def meta_description(self) -> str:
        text = self.code.long_description or self.code.short_description
        if len(text) > 155:
            text = text[:152].rsplit(" ", 1)[0] + "…"
        status = " Terminated." if self.code.is_terminated else ""
        return f"{self.code.code}: {text}{status}"

    @property
    def in_current_release(self) -> bool:
        return self.current_release is None or self.code.release_id == self.current_release.pk

    @property
    def termination_pending(self) -> bool:
        """A termination date still ahead: the code may be reported until that day."""
        end = self.code.termination_date
        return end is not None and end >= date.today()

    def rows(self) -> list[FieldRow]:
        return [row for group in self.groups for row in group.rows]

    def as_json(self, canonical_url: str) -> dict:
        code = self.code
        return {
            "code": code.code,
            "kind": code.kind,
            "url": canonical_url,
            "short_description": code.short_description,
            "long_description": code.long_description,
            "terminated": code.is_terminated,
            "termination_date": iso_date(code.termination_date) or None,
            "release": {
                "name": code.release.name,
                "effective_date": iso_date(code.release.effective_date),
                "current": self.in_current_release,
            },
            "fields": [row.as_json() for row in self.rows()],
            "processing_note": (
                {
                    "number": self.note.number,
                    "text": self.note.text,
                    "release": self.note.release,
                }
                if self.note
                else None
            ),
            "cross_references": [c.as_json() for c in self.cross_references],
            "codes_mentioned": [c.as_json() for c in self.mentioned],
            "referenced_by": [c.as_json() for c in self.referenced_by],
            "previous": self.previous.as_json() if self.previous else None,
            "next": self.next.as_json() if self.next else None,
            "section": {"label": self.section.label, "heading": self.section.heading},
        }


def iso_date(value: date | None) -> str:
    """A date as JSON and CSV give it (2025-01-01), or "" for none."""
    return value.isoformat() if value else ""


def _link(code: Code) -> CodeLink:
    return CodeLink(
        code=code.code,
        url=code.get_absolute_url(),
        short_description=code.short_description,
        terminated=code.is_terminated,
    )


_LINK_COLUMNS = ("kind", "code", "short_description", "termination_date")


def linked_parts(text: str, known: dict[str, CodeLink], own_code: str = "") -> tuple[TextPart, ...]:
    """`text` split so that each code it names that has a page becomes a link."""
    parts: list[TextPart] = []
    last = 0
    for match in CODE_IN_TEXT.finditer(text or ""):
        target = known.get(match.group(1).upper())
        if target is None or not target.url or target.code == own_code:
            continue
        if match.start() > last:
            parts.append(TextPart(text[last : match.start()]))
        parts.append(TextPart(match.group(1), target.url))
        last = match.end()
    if last < len(text or ""):
        parts.append(TextPart(text[last:]))
    return tuple(parts)


def decode_value(doc: FieldDoc, raw, occurrence: int | None = None) -> ShownValue:
    """A published value formatted for reading, with its code-table meaning if it has one."""
    if isinstance(raw, date):
        return ShownValue(text=raw.isoformat(), occurrence=occurrence)
    text = str(raw)
    if doc.table is None:
        return ShownValue(text=text, occurrence=occurrence)
    meaning = reference.decode(doc.table, text)
    return ShownValue(
        text=text,
        meaning=meaning or NOT_IN_TABLE,
        in_table=meaning is not None,
        occurrence=occurrence,
    )


def _is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def field_row(
    record: Code | CodeVersion,
    doc: FieldDoc,
    known: dict[str, CodeLink] | None = None,
    note: NoteText | None = None,
) -> FieldRow:
    """One row of the page: every non-blank value of the field, decoded."""
    known = known or {}
    columns = tuple(columns_of(doc.name))
    unparsed = getattr(record, "unparsed", None) or {}
    values: list[ShownValue] = []
    for position, column in enumerate(columns, start=1):
        raw = getattr(record, column)
        occurrence = position if doc.repeats > 1 else None
        if _is_blank(raw):
            if not _is_blank(unparsed.get(column)):
                values.append(
                    ShownValue(
                        text=str(unparsed[column]),
                        meaning=UNPARSED_MEANING,
                        in_table=False,
                        occurrence=occurrence,
                    )
                )
            continue
        if doc.name == "kind":
            label = Kind(raw).label
            values.append(ShownValue(text=label, parts=(TextPart(label),)))
        elif doc.name in ("long_description", "short_description"):
            values.append(ShownValue(text=raw, parts=linked_parts(raw, known, record.code)))
        elif doc.name == "cross_references":
            target = known.get(raw.upper(), CodeLink(raw))
            missing = CPT_MEANING if target.is_cpt else "not a Level II code in the loaded data"
            values.append(
                ShownValue(
                    text=raw,
                    meaning=target.short_description or missing,
                    occurrence=occurrence,
                    url=target.url,
                )
            )
        elif doc.name == "processing_note":
            values.append(_note_value(raw, note, record))
        else:
            values.append(decode_value(doc, raw, occurrence))
    empty_meaning = reference.ASC_GROUP_BLANK_MEANING if doc.name == "asc_group" else ""
    return FieldRow(doc=doc, columns=columns, values=tuple(values), empty_meaning=empty_meaning)


def _note_value(number: str, note: NoteText | None, record: Code | CodeVersion) -> ShownValue:
    if note is None:
        return ShownValue(
            text=number,
            meaning="The text of this note is not in any loaded release.",
            in_table=False,
        )
    source = ""
    if note.from_other_release:
        source = f"(text from the {note.release} notes; none in {record.release.name})"
    return ShownValue(text=number, meaning=note.text, in_table=True, source=source)


def field_groups(
    record: Code | CodeVersion,
    known: dict[str, CodeLink] | None = None,
    note: NoteText | None = None,
) -> list[FieldGroup]:
    return [
        FieldGroup(
            key=key,
            heading=heading,
            rows=tuple(
                field_row(record, FIELD_DOCS[name], known, note)
                for name in names
                if _in_release(record, FIELD_DOCS[name])
            ),
        )
        for key, heading, names in FIELD_GROUPS
    ]


def _in_release(record: Code | CodeVersion, doc: FieldDoc) -> bool:
    """A field CMS added later is left out of an older release's record, not shown blank."""
    return doc.since is None or layout.published(doc.since, record.release.effective_date)


def section_of(code: Code) -> Section:
    """The code's section, from the one definition in `reference.section_for`."""
    if code.is_modifier:
        return Section("Modifiers", "All modifiers", reverse("codes:modifier_list"))
    found = reference.section_for(code.code)
    if found is None:
        letter = code.code[:1]
        return Section(f"{letter} codes", "", reverse("codes:list") + f"?section={letter}")
    return Section(found.heading, found.heading, reverse("codes:section", args=[found.slug]))


def processing_note(code: Code) -> NoteText | None:
    """The note's text from the code's own release, else from the newest release that has it.

    A record fetched by `code_record` carries it already; any other costs one query."""
    if not code.processing_note.strip():
        return None
    if hasattr(code, "own_note_text"):
        return _annotated_note(code)
    found = _notes_for(code.processing_note.strip(), code.release_id).first()
    if found is None:
        return None
    return NoteText(
        number=found.number,
        text=found.text,
        release=found.release.name,
        from_other_release=found.release_id != code.release_id,
    )


def _notes_for(number, release_id):
    """A note number's texts, the given release's first, then newest release first."""
    return (
        ProcessingNote.objects.filter(number=number)
        .select_related("release")
        .annotate(
            own=Case(
                When(release_id=release_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("own", "-release__effective_date")
    )


def _annotated_note(code: Code) -> NoteText | None:
    """The note from `code_record`'s annotations (`_note_annotations`)."""
    number = code.processing_note.strip()
    own_text: str | None = getattr(code, "own_note_text", None)
    if own_text is not None:
        return NoteText(number, own_text, code.release.name, from_other_release=False)
    if getattr(code, "newest_note_release_id", None) is None:
        return None
    newest_text: str = getattr(code, "newest_note_text", "")
    newest_release: str = getattr(code, "newest_note_release", "")
    return NoteText(number, newest_text, newest_release, True)


def _note_annotations() -> dict:
    """The note text of the record's own release and of the newest release that has it.

    Two subqueries, not one ordered by "own release first": SQLite cannot read the
    outer row in a subquery's ORDER BY."""
    notes = ProcessingNote.objects.filter(number=Trim(OuterRef("processing_note")))
    newest = notes.order_by("-release__effective_date")
    return {
        "own_note_text": Subquery(
            notes.filter(release_id=OuterRef("release_id")).values("text")[:1]
        ),
        "newest_note_text": Subquery(newest.values("text")[:1]),
        "newest_note_release": Subquery(newest.values("release__name")[:1]),
        "newest_note_release_id": Subquery(newest.values("release_id")[:1]),
    }


def _record_queryset(kind: str, code: str):
    same_kind = Code.objects.filter(kind=OuterRef("kind"))
    version = DataVersion.objects.filter(pk=dataversion.ROW)
    return (
        Code.objects.select_related("release")
        .filter(kind=kind, code=code)
        .annotate(
            previous_code=Subquery(
                same_kind.filter(code__lt=OuterRef("code")).order_by("-code").values("code")[:1]
            ),
            next_code=Subquery(
                same_kind.filter(code__gt=OuterRef("code")).order_by("code").values("code")[:1]
            ),
            **_note_annotations(),
            **page_rows.record_annotations(),
            data_epoch=Subquery(version.values("epoch")[:1]),
            data_number=Subquery(version.values("number")[:1]),
        )
    )


_RECORD_QUERY = CompiledQuery(_record_queryset, kind="\x00kind", code="\x00code")


def code_record(kind: str, code: str) -> Code | None:
    """The record a code page shows, with its release, in one query.

    The same query names its neighbours in code order (`previous_code`, `next_code`),
    carries its processing note's text (`_note_annotations`) and the code's rows in the
    payment files (codes/payments/page_rows.py), so a page builds from a fixed handful
    of queries whatever the files list. It reads the data version too (`data_epoch`,
    `data_number`), in the same snapshot, so that what changes only with the version
    is not asked again (the contact list, codes/templatetags/page_fragments.py). It
    is compiled once (codes/compiled.py).
    """
    return _RECORD_QUERY.first(using=Code.objects.db, kind=kind, code=code)


def data_version_of(code: Code) -> tuple[str, int] | None:
    """The data version a record from `code_record` was read under (None for another)."""
    number: int | None = getattr(code, "data_number", None)
    epoch: str = getattr(code, "data_epoch", "")
    return None if number is None else (epoch, number)


def _neighbours(code: Code) -> tuple[str | None, str | None]:
    """The codes before and after `code` among its kind: from `code_record`, else asked."""
    if hasattr(code, "previous_code"):
        return code.previous_code, getattr(code, "next_code", None)
    same_kind = Code.objects.filter(kind=code.kind).values_list("code", flat=True)
    previous = same_kind.filter(code__lt=code.code).order_by("-code").first()
    return previous, same_kind.filter(code__gt=code.code).order_by("code").first()


_REFERENCE_COLUMNS = tuple(repeated_columns("cross_references"))


def _names(other: Code, code: str) -> bool:
    return any(getattr(other, column) == code for column in _REFERENCE_COLUMNS)


# The codes a page links are asked for in slots of this many, the unused ones blank, so
# that a handful of compiled queries serve every page.
LINK_SLOTS = 8


def _links_queryset(code: str, **wanted: str) -> QuerySet[Code]:
    refers = reduce(or_, (Q(**{c: code}) for c in _REFERENCE_COLUMNS))
    return Code.objects.filter(Q(code__in=list(wanted.values())) | refers).only(
        *_LINK_COLUMNS, *_REFERENCE_COLUMNS
    )


@cache
def _links_query(slots: int) -> CompiledQuery:
    stand_ins = {f"code_{n}": f"\x00code_{n}" for n in range(slots)}
    return CompiledQuery(_links_queryset, code="\x00code", **stand_ins)


def _linked_codes(code: str, wanted: set[str]) -> list[Code]:
    """The codes in `wanted` and those naming `code` as a cross-reference (one query)."""
    slots = LINK_SLOTS * (len(wanted) // LINK_SLOTS + 1)
    padded = [*sorted(wanted), *[""] * (slots - len(wanted))]  # no code is blank
    by_slot = {f"code_{n}": value for n, value in enumerate(padded)}
    return _links_query(slots).all(using=Code.objects.db, code=code, **by_slot)


def code_page(code: Code, current_release: Release | None = None) -> CodePage:
    """Everything the page shows about `code` (a Code fetched with its release).

    One query fetches every other code the page links: those the record names, those
    that name it as a cross-reference, and its two neighbours."""
    xrefs = [x.upper() for x in code.cross_references]
    mentioned = [
        c
        for c in codes_in_text(f"{code.long_description} {code.short_description}")
        if c != code.code
    ]
    wanted = set(xrefs) | set(mentioned)
    previous_code, next_code = _neighbours(code)
    around = {c for c in (previous_code, next_code) if c}
    others = sorted(_linked_codes(code.code, wanted | around), key=lambda o: (o.kind, o.code))
    known: dict[str, CodeLink] = {}
    for other in others:
        if other.code in wanted:
            known.setdefault(other.code, _link(other))
    same_kind = {other.code: other for other in others if other.kind == code.kind}
    previous = same_kind.get(previous_code) if previous_code else None
    following = same_kind.get(next_code) if next_code else None
    referenced_by = sorted(
        (_link(o) for o in others if o.pk != code.pk and _names(o, code.code)), key=lambda c: c.code
    )
    note = processing_note(code)
    groups = field_groups(code, known, note)
    page = CodePage(
        code=code,
        groups=groups,
        description=linked_parts(code.long_description, known, code.code),
        cross_references=[known.get(x, CodeLink(x)) for x in xrefs],
        mentioned=[known[c] for c in mentioned if c in known],
        referenced_by=referenced_by,
        previous=_link(previous) if previous else None,
        next=_link(following) if following else None,
        section=section_of(code),
        note=note,
        current_release=current_release,
        _known=known,
    )
    page.rows_by_name = {row.name: row for row in page.rows()}
    return page


def glossary_fields() -> list[FieldDoc]:
    return list(FIELD_DOCS.values())


@dataclass(frozen=True)
class CodeTable:
    name: str
    label: str
    entries: list[tuple[str, str]]
    fields: list[FieldDoc]

    @property
    def anchor(self) -> str:
        return f"table-{self.name}"


_TABLE_LABELS = reference.CODE_TABLE_LABELS


def code_tables() -> list[CodeTable]:
    """Every CMS code table with all its values, and the fields that use it."""
    tables = []
    for name, entries in reference.CODE_TABLES.items():
        rows = list(entries.items())
        if name == "asc_group":
            rows.append(("(blank)", reference.ASC_GROUP_BLANK_MEANING))
        tables.append(
            CodeTable(
                name=name,
                label=_TABLE_LABELS.get(name, name.replace("_", " ").capitalize()),
                entries=rows,
                fields=[d for d in FIELD_DOCS.values() if d.table == name],
            )
        )
    return tables


@dataclass(frozen=True)
class Suggestions:
    """Codes to offer when a code is not in the data: its neighbours and look-alikes."""

    before: list[CodeLink]
    after: list[CodeLink]
    similar: list[CodeLink]

    @property
    def nearest(self) -> list[CodeLink]:
        return [*self.before, *self.after]

    @property
    def all(self) -> list[CodeLink]:
        return [*self.before, *self.after, *self.similar]


def nearest_codes(kind: str, text: str, around: int = 3, similar: int = 5) -> Suggestions:
    """Neighbouring codes in code order and codes spelt almost like `text` (typos)."""
    if not text:
        return Suggestions([], [], [])
    same_kind = Code.objects.filter(kind=kind).only(*_LINK_COLUMNS)
    before = list(same_kind.filter(code__lt=text).order_by("-code")[:around])[::-1]
    after = list(same_kind.filter(code__gt=text).order_by("code")[:around])
    candidates = list(Code.objects.filter(kind=kind).values_list("code", flat=True))
    close = difflib.get_close_matches(text, candidates, n=similar, cutoff=0.6)
    shown = {c.code for c in before + after}
    look_alikes = [c for c in close if c not in shown]
    found = {c.code: c for c in same_kind.filter(code__in=look_alikes)} if look_alikes else {}
    return Suggestions(
        before=[_link(c) for c in before],
        after=[_link(c) for c in after],
        similar=[_link(found[c]) for c in look_alikes if c in found],
    )
