"""The CMS Alpha-Numeric HCPCS record, release by release.

`CodeVersion` keeps each release's copy of a record exactly as CMS published it;
`Code` holds the newest copy (the one from the newest release that lists the code), so
browsing and searching read one narrow table. Both share `CmsRecord`, the complete
record layout: repeated fields are numbered columns (`pricing_indicator_1` … `_4`) so
they keep their order and stay filterable on every database.
"""

from __future__ import annotations

import functools
import re

from django.db import models
from django.urls import get_script_prefix, get_urlconf, reverse

from codes import reference
from codes.querysets import CodeQuerySet

# Repeated fields of the record layout: glossary key -> (column prefix, occurrences).
REPEATED_FIELDS: dict[str, tuple[str, int]] = {
    "pricing_indicators": ("pricing_indicator", 4),
    "cim_references": ("cim_reference", 3),
    "mcm_references": ("mcm_reference", 3),
    "lab_certifications": ("lab_certification", 8),
    "cross_references": ("cross_reference", 5),
    "type_of_service_codes": ("type_of_service", 5),
}


def repeated_columns(group: str) -> list[str]:
    prefix, count = REPEATED_FIELDS[group]
    return [f"{prefix}_{n}" for n in range(1, count + 1)]


def glossary_key(field_name: str) -> str:
    """The FIELD_DOCS key that explains a model column."""
    for group, (prefix, count) in REPEATED_FIELDS.items():
        if field_name in {f"{prefix}_{n}" for n in range(1, count + 1)}:
            return group
    return field_name


def _char(max_length: int, **kwargs) -> models.CharField:
    return models.CharField(max_length=max_length, blank=True, **kwargs)


class Kind(models.TextChoices):
    PROCEDURE = "procedure", "Procedure code"
    MODIFIER = "modifier", "Modifier"


# URL names of the canonical code pages.
CODE_PAGES = {Kind.PROCEDURE: "codes:detail", Kind.MODIFIER: "codes:modifier_detail"}
_PLAIN_CODE = re.compile(r"[A-Z0-9]{1,5}")
_PLACEHOLDER = "00000"


@functools.lru_cache(maxsize=32)
def _code_page_pattern(url_name: str, script_prefix: str, urlconf) -> str:
    return reverse(url_name, urlconf=urlconf, args=[_PLACEHOLDER])


def code_page_url(kind: str, code: str) -> str:
    """The canonical page of a code: reverse() once per URL name, then a substitution.

    reverse() costs more than rendering a list row, and a page lists fifty codes.
    """
    url_name = CODE_PAGES[kind]
    if not _PLAIN_CODE.fullmatch(code):
        return reverse(url_name, args=[code])
    pattern = _code_page_pattern(url_name, get_script_prefix(), get_urlconf())
    head, _, tail = pattern.rpartition(_PLACEHOLDER)
    return f"{head}{code}{tail}"


class Release(models.Model):
    name = models.CharField(max_length=20, unique=True, help_text="For example 2025-oct.")
    effective_date = models.DateField(unique=True)
    source_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    procedure_count = models.PositiveIntegerField(default=0)
    modifier_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-effective_date"]
        get_latest_by = "effective_date"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("codes:release_detail", args=[self.name])


class CmsRecord(models.Model):
    """Every field of the CMS record layout, named after it, values as published."""

    kind = models.CharField(max_length=9, choices=Kind.choices)
    code = models.CharField(max_length=5)
    sequence_number = _char(5)
    long_description = models.TextField(blank=True)
    short_description = _char(28)
    pricing_indicator_1 = _char(2)
    pricing_indicator_2 = _char(2)
    pricing_indicator_3 = _char(2)
    pricing_indicator_4 = _char(2)
    multiple_pricing_indicator = _char(1)
    cim_reference_1 = _char(6)
    cim_reference_2 = _char(6)
    cim_reference_3 = _char(6)
    mcm_reference_1 = _char(8)
    mcm_reference_2 = _char(8)
    mcm_reference_3 = _char(8)
    statute = _char(10)
    lab_certification_1 = _char(3)
    lab_certification_2 = _char(3)
    lab_certification_3 = _char(3)
    lab_certification_4 = _char(3)
    lab_certification_5 = _char(3)
    lab_certification_6 = _char(3)
    lab_certification_7 = _char(3)
    lab_certification_8 = _char(3)
    cross_reference_1 = _char(5)
    cross_reference_2 = _char(5)
    cross_reference_3 = _char(5)
    cross_reference_4 = _char(5)
    cross_reference_5 = _char(5)
    coverage_code = _char(1)
    asc_group = _char(2)
    asc_effective_date = models.DateField(null=True, blank=True)
    opps_group = _char(3)
    opps_indicator = _char(1)
    opps_effective_date = models.DateField(null=True, blank=True)
    processing_note = _char(4)
    betos_code = _char(3)
    type_of_service_1 = _char(1)
    type_of_service_2 = _char(1)
    type_of_service_3 = _char(1)
    type_of_service_4 = _char(1)
    type_of_service_5 = _char(1)
    anesthesia_base_units = models.PositiveSmallIntegerField(null=True, blank=True)
    date_added = models.DateField(null=True, blank=True)
    action_effective_date = models.DateField(null=True, blank=True)
    termination_date = models.DateField(null=True, blank=True)
    action_code = _char(1)
    unparsed = models.JSONField(
        default=dict,
        blank=True,
        help_text="Values CMS published that do not fit their field's format, verbatim "
        "(the typed column is then empty).",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.short_description}"

    @classmethod
    def record_field_names(cls) -> list[str]:
        """The CMS columns, in record-layout order."""
        return [f.name for f in CmsRecord._meta.get_fields()]

    def values_of(self, group: str) -> list[str]:
        """A repeated field's values in order, blanks dropped."""
        return [v for v in (getattr(self, c) for c in repeated_columns(group)) if v]

    @property
    def pricing_indicators(self) -> list[str]:
        return self.values_of("pricing_indicators")

    @property
    def type_of_service_codes(self) -> list[str]:
        return self.values_of("type_of_service_codes")

    @property
    def cross_references(self) -> list[str]:
        return self.values_of("cross_references")

    @property
    def is_modifier(self) -> bool:
        return self.kind == Kind.MODIFIER

    @property
    def is_terminated(self) -> bool:
        return self.termination_date is not None

    @property
    def action_meaning(self) -> str | None:
        return reference.decode("action", self.action_code)


class Code(CmsRecord):
    """A procedure code or modifier as the newest release that lists it has it."""

    release = models.ForeignKey(
        Release,
        on_delete=models.PROTECT,
        related_name="current_codes",
        help_text="The newest release that lists this code; its fields come from there.",
    )

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="codes_code_unique_kind_code"),
        ]
        indexes = [
            # Browse by section letter and range: code__gte / code__lte within a kind.
            models.Index(fields=["code"], name="codes_code_code_idx"),
            # Coverage filter on the browse page.
            models.Index(fields=["coverage_code"], name="codes_code_coverage_idx"),
            # BETOS filter on the browse page.
            models.Index(fields=["betos_code"], name="codes_code_betos_idx"),
            # "Codes that refer to" on a code page: any cross-reference column equal to it
            # (one index each, so the OR is answered by index lookups, not a table scan).
            *(
                models.Index(fields=[column], name=f"codes_code_xref{n}_idx")
                for n, column in enumerate(repeated_columns("cross_references"), start=1)
            ),
        ]

    def get_absolute_url(self) -> str:
        return code_page_url(self.kind, self.code)


class CodeVersion(CmsRecord):
    """One release's copy of one record: the history of a code is its versions."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="versions")
    code_ref = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="versions")
    source_line = models.PositiveIntegerField(
        help_text="Line (txt) or row (xlsx) of the record's first line in the source file."
    )

    class Meta:
        ordering = ["code_ref", "-release__effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_ref", "release"], name="codes_codeversion_unique_code_release"
            ),
        ]
        indexes = [
            # A release page lists its versions by kind and code.
            models.Index(fields=["release", "kind", "code"], name="codes_version_release_idx"),
        ]


class ProcessingNote(models.Model):
    """A numbered note from a release's proc_notes file (Appendix A of the HCPCS manual)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="notes")
    number = models.CharField(max_length=4)
    text = models.TextField()

    class Meta:
        ordering = ["number", "-release__effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "number"], name="codes_processingnote_unique_release_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.release})"


class ContactEntry(models.Model):
    """The HCPCS contact information shown on every code page; editable in the admin."""

    class ContactKind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Telephone"
        POSTAL = "postal", "Postal address"
        WEB = "web", "Web site"

    label = models.CharField(max_length=200)
    value = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    note = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "contact entries"

    def __str__(self) -> str:
        return self.label

    @property
    def href(self) -> str:
        if self.kind == self.ContactKind.EMAIL:
            return f"mailto:{self.value}"
        if self.kind == self.ContactKind.PHONE:
            digits = "".join(ch for ch in self.value if ch.isdigit())
            return f"tel:+1{digits}" if len(digits) == 10 else f"tel:{digits}"
        if self.kind == self.ContactKind.WEB:
            return self.value
        return ""


class DataVersion(models.Model):
    """The version of the data pages are built from: one row, moved forward by every
    import and removal inside its own transaction (codes.dataversion), so the validators
    and stored pages of one state are never those of another, even after an undo."""

    number = models.PositiveBigIntegerField(default=0)
    # Random per database: a new database starts counting again, but not the same ETags.
    epoch = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.epoch[:8]}.{self.number}"
