"""The CMS Alpha-Numeric HCPCS record, release by release.

`CodeVersion` keeps each release's copy of a record exactly as CMS published it;
`Code` holds the newest copy (the one from the newest release that lists the code), so
browsing and searching read one narrow table. Both share `CmsRecord`, the complete
record layout: repeated fields are numbered columns (`pricing_indicator_1` … `_4`) so
they keep their order and stay filterable on every database.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.where import WhereNode
from django.urls import get_script_prefix, get_urlconf, reverse

from codes import reference
from codes.code_shapes import CODE_PART

# The record layout's repeated fields, named here too for the modules that query them.
from codes.layout import REPEATED_FIELDS as REPEATED_FIELDS
from codes.layout import repeated_columns
from codes.querysets import CodeQuerySet, ReleaseQuerySet


def _char(max_length: int, **kwargs) -> models.CharField:
    return models.CharField(max_length=max_length, blank=True, **kwargs)


class Kind(models.TextChoices):
    PROCEDURE = "procedure", "Procedure code"
    MODIFIER = "modifier", "Modifier"


# URL names of the canonical code pages.
CODE_PAGES: dict[str, str] = {
    Kind.PROCEDURE: "codes:detail",
    Kind.MODIFIER: "codes:modifier_detail",
}
_PLACEHOLDER = "00000"


@functools.lru_cache(maxsize=32)
def _code_page_pattern(url_name: str, script_prefix: str, urlconf) -> str:
    return reverse(url_name, urlconf=urlconf, args=[_PLACEHOLDER])


def code_page_url(kind: str, code: str) -> str:
    """The canonical page of a code: reverse() once per URL name, then a substitution.

    reverse() costs more than rendering a list row, and a page lists fifty codes.
    """
    url_name = CODE_PAGES[kind]
    if not CODE_PART.fullmatch(code):
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

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date"]
        get_latest_by = "effective_date"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("codes:release_detail", args=[self.name])


class CmsRecord(models.Model):
    """Every field of the CMS record layout, named after it, values as published.

    Declared column by column, so that migrations read plainly; tests/test_layout.py
    holds these declarations to `codes.layout`.
    """

    kind = models.CharField(max_length=9, choices=Kind)
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


# Medicare Part B drug pricing (ASP) and the NDC-HCPCS crosswalks, quarter by quarter ------


def plain_number(value) -> str:
    """A decimal without the trailing zeros of its column: 100.0000 -> "100", 2.2500 -> "2.25"."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


class DrugDataset(models.Model):
    """One quarter's copy of one CMS drug pricing file, as loaded by import_asp."""

    class DatasetKind(models.TextChoices):
        ASP_PRICING = "asp_pricing", "ASP pricing file"
        ASP_CROSSWALK = "asp_crosswalk", "ASP NDC–HCPCS crosswalk"
        NOC_PRICING = "noc_pricing", "NOC pricing file"
        NOC_CROSSWALK = "noc_crosswalk", "NOC NDC–HCPCS crosswalk"

    kind = models.CharField(max_length=13, choices=DatasetKind.choices)
    quarter = models.CharField(max_length=20, help_text="For example 2025-oct.")
    effective_start = models.DateField()
    effective_end = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    title_rows = models.TextField(blank=True, help_text="The file's rows above its header.")
    source_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_sha256 = models.CharField(
        max_length=64, help_text="Of the file given: the zip, for a table inside one."
    )
    row_count = models.PositiveIntegerField(default=0)
    cpt_rows_skipped = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-effective_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "quarter"], name="codes_drugdataset_unique_kind_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quarter}"

    @property
    def period_label(self) -> str:
        """The period the file's title gives: "October 1, 2025 – December 31, 2025"."""
        start = f"{self.effective_start:%B} {self.effective_start.day}, {self.effective_start.year}"
        if self.effective_end is None:
            return f"from {start}"
        end = self.effective_end
        return f"{start} – {end:%B} {end.day}, {end.year}"


class AspPrice(models.Model):
    """A row of the ASP pricing file: a drug code's billing unit and payment limit."""

    dataset = models.ForeignKey(DrugDataset, on_delete=models.CASCADE, related_name="prices")
    hcpcs_code = models.CharField(max_length=5)
    short_description = _char(100)
    dosage = _char(100, help_text='"HCPCS Code Dosage": the billing unit.')
    payment_limit = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    payment_limit_text = _char(30, help_text="The cell as published when it is not a number.")
    coinsurance_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    vaccine_awp_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    vaccine_limit = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    blood_awp_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    blood_limit = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    clotting_factor = _char(10)
    notes = models.TextField(blank=True)
    source_row = models.PositiveIntegerField()

    class Meta:
        ordering = ["hcpcs_code", "-dataset__effective_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "hcpcs_code"], name="codes_aspprice_unique_dataset_code"
            ),
        ]
        indexes = [
            # A code page reads the code's price in every loaded quarter.
            models.Index(fields=["hcpcs_code"], name="codes_aspprice_code_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hcpcs_code} {self.dataset.quarter}"


class DrugPackage(models.Model):
    """The columns both NDC crosswalks give for one package."""

    labeler_name = _char(200)
    ndc = _char(30, help_text="The NDC as published (5-4-2), or the product id given instead.")
    ndc11 = _char(11, help_text="The NDC's 11 digits; blank when the id is not an NDC.")
    drug_name = _char(200, help_text='"Drug Name": the trade name.')
    package_size = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    package_quantity = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    billing_units = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    billing_units_per_package = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True
    )
    source_row = models.PositiveIntegerField()

    class Meta:
        abstract = True

    @property
    def page_url(self) -> str:
        """The NDC's page: reverse() once per process, since a code page lists 200 packages."""
        pattern = _code_page_pattern("codes:ndc_detail", get_script_prefix(), get_urlconf())
        head, _, tail = pattern.rpartition(_PLACEHOLDER)
        return f"{head}{quote(self.ndc, safe='')}{tail}"

    @property
    def package_text(self) -> str:
        """ "4 × 1": the amount in one item times the items in the package."""
        size, quantity = plain_number(self.package_size), plain_number(self.package_quantity)
        return f"{size} × {quantity}" if size and quantity else size or quantity

    @property
    def billing_units_text(self) -> str:
        return plain_number(self.billing_units)

    @property
    def billing_units_per_package_text(self) -> str:
        return plain_number(self.billing_units_per_package)


class NdcPackage(DrugPackage):
    """A row of the ASP NDC–HCPCS crosswalk: one NDC package billed under a code."""

    dataset = models.ForeignKey(DrugDataset, on_delete=models.CASCADE, related_name="packages")
    hcpcs_code = models.CharField(max_length=5)
    short_description = _char(100)
    hcpcs_dosage = _char(100)

    class Meta:
        ordering = ["hcpcs_code", "drug_name", "ndc"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "hcpcs_code", "ndc"], name="codes_ndcpackage_unique_row"
            ),
        ]
        indexes = [
            # A code page lists the code's packages of the newest quarter.
            models.Index(fields=["hcpcs_code", "dataset"], name="codes_ndcpackage_code_idx"),
            # NDC lookup: /ndc/<ndc>/ and the search box.
            models.Index(fields=["ndc11"], name="codes_ndcpackage_ndc11_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ndc} {self.hcpcs_code}"


class NocPrice(models.Model):
    """A row of the NOC pricing file: a drug with no code of its own and its payment limit."""

    dataset = models.ForeignKey(DrugDataset, on_delete=models.CASCADE, related_name="noc_prices")
    generic_name = _char(200, help_text='"Drug Generic Name (Trade Name)".')
    dosage = _char(100)
    payment_limit = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    payment_limit_text = _char(30, help_text="The cell as published when it is not a number.")
    notes = models.TextField(blank=True)
    source_row = models.PositiveIntegerField()

    class Meta:
        ordering = ["generic_name", "dosage"]

    def __str__(self) -> str:
        return f"{self.generic_name} {self.dosage}"


class NocPackage(DrugPackage):
    """A row of the NOC NDC–HCPCS crosswalk: a package of a drug with no code of its own."""

    dataset = models.ForeignKey(DrugDataset, on_delete=models.CASCADE, related_name="noc_packages")
    generic_name = _char(200)
    dosage = _char(100)

    class Meta:
        ordering = ["generic_name", "ndc"]
        indexes = [
            # NDC lookup also finds drugs that have no code of their own.
            models.Index(fields=["ndc11"], name="codes_nocpackage_ndc11_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ndc} {self.generic_name}"


# DMEPOS and PEN fee schedules ----------------------------------------------------------------


class DmeposQuarter(models.Model):
    """One quarterly release of CMS's DMEPOS fee schedule public use files (2025-apr)."""

    name = models.CharField(max_length=8, unique=True, help_text="For example 2025-apr.")
    effective_date = models.DateField(
        unique=True, help_text="From the file's title row, e.g. “April 2025 Fee Schedule”."
    )

    class Meta:
        ordering = ["-effective_date"]
        get_latest_by = "effective_date"

    def __str__(self) -> str:
        return self.name


class DmeposFile(models.Model):
    """One CMS file loaded into a quarter: the DMEPOS fees, the PEN fees or the rural ZIPs."""

    class Dataset(models.TextChoices):
        DMEPOS = "dmepos", "DMEPOS fee schedule"
        PEN = "pen", "PEN fee schedule"
        RURAL_ZIP = "rural_zip", "DMEPOS rural ZIP code file"

    quarter = models.ForeignKey(DmeposQuarter, on_delete=models.CASCADE, related_name="files")
    dataset = models.CharField(max_length=9, choices=Dataset.choices)
    title = models.CharField(max_length=300, blank=True, help_text="The file's title rows.")
    source_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now=True)
    row_count = models.PositiveIntegerField(default=0)
    cpt_rows_skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["quarter", "dataset"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "dataset"], name="codes_dmeposfile_unique_quarter_dataset"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.source_name}"


class DmeposFee(models.Model):
    """One row of the DMEPOS or PEN fee schedule: a code with its modifiers, every column kept.

    The fee per state is one JSON list of [state, non-rural, rural] in the file's column
    order, amounts as the strings CMS printed ("25.19", null when blank): a code page reads
    all its rows in one query and shows every state, and nothing ever filters on one
    state's amount, so 56 child rows per fee (190,000 per quarter) would buy nothing.
    """

    quarter = models.ForeignKey(DmeposQuarter, on_delete=models.CASCADE, related_name="fees")
    dataset = models.CharField(max_length=9, choices=DmeposFile.Dataset.choices)
    hcpcs = models.CharField(max_length=5)
    modifier = _char(2)
    modifier_2 = _char(2)
    jurisdiction = _char(1)
    category = _char(2)
    ceiling = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    floor = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    state_fees = models.JSONField(default=list, blank=True)
    description = _char(60)
    source_row = models.PositiveIntegerField(help_text="Row of the source file (1-based).")

    class Meta:
        ordering = ["hcpcs", "dataset", "modifier", "modifier_2"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "dataset", "hcpcs", "modifier", "modifier_2"],
                name="codes_dmeposfee_unique_row",
            ),
        ]
        indexes = [
            # A code page reads the rows of one code across quarters.
            models.Index(fields=["hcpcs", "quarter"], name="codes_dmeposfee_hcpcs_idx"),
            # The browse list filters a quarter by category and jurisdiction.
            models.Index(
                fields=["quarter", "category", "jurisdiction"], name="codes_dmeposfee_browse_idx"
            ),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.hcpcs, self.modifier, self.modifier_2) if part)


class DmeposRuralZip(models.Model):
    """A ZIP code CMS designates rural for DMEPOS fees in a quarter (the rural ZIP file)."""

    quarter = models.ForeignKey(DmeposQuarter, on_delete=models.CASCADE, related_name="rural_zips")
    state = models.CharField(max_length=2)
    zip_code = models.CharField(max_length=5)
    year_quarter = models.CharField(max_length=6, help_text="As published, e.g. 202501.")
    source_row = models.PositiveIntegerField()

    class Meta:
        ordering = ["zip_code"]
        constraints = [
            # The ZIP lookup on a code page: is this ZIP rural in this quarter?
            models.UniqueConstraint(
                fields=["quarter", "zip_code"], name="codes_dmeposruralzip_unique_zip"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zip_code} ({self.state})"


class SearchMiss(models.Model):
    """A search that found nothing, or nothing that matched all its words, counted by its
    normalised words so the thesaurus can be tuned from real use (codes/misses.py).

    Nothing about who searched is kept: no address, cookie, user or time of day beyond
    the dates. The table holds at most misses.MAX_ROWS rows.
    """

    query = models.CharField(max_length=100, unique=True)
    results = models.PositiveIntegerField(help_text="Results the last such search found.")
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateField()
    last_seen = models.DateField()

    class Meta:
        ordering = ["-count", "query"]
        verbose_name = "search that found little"
        verbose_name_plural = "searches that found little"
        indexes = [
            # Eviction drops the rarest, least recently seen misses first.
            models.Index(fields=["count", "last_seen"], name="codes_searchmiss_evict_idx"),
        ]

    def __str__(self) -> str:
        return self.query


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


class _NotIndexed(models.Func):
    template = "+%(expressions)s"


class _FtsRowJoin(models.ForeignObject):
    """Joins a code to its FTS5 row on `+rowid = id`. The unary plus keeps the rowid
    from being an index constraint, so SQLite can never loop over the codes (by a column
    filter's index) and query FTS5 once per code, which costs a second on a broad word:
    FTS5 always drives, scoring each match once. Django joins a relation on plain
    equality of its columns, so the condition is this relation's extra restriction,
    with no joining columns of its own."""

    def get_joining_fields(self, reverse_join: bool = False) -> tuple:
        return ()

    def get_reverse_joining_fields(self) -> tuple:
        return ()

    def get_extra_restriction(self, code_alias: str, fts_alias: str) -> WhereNode:
        # Django passes the codes table's alias first, whichever way the join goes.
        rowid = models.expressions.Col(fts_alias, CodeSearchEntry._meta.pk)
        code_id = models.expressions.Col(code_alias, Code._meta.pk)
        # A lookup is a where-node child (as Q's are); the stubs allow only nodes.
        return WhereNode([models.lookups.Exact(_NotIndexed(rowid), code_id)])  # type: ignore[list-item]


class _FtsIndexField(models.TextField):
    """The FTS5 table's hidden column, named after the table: what MATCH and bm25 take."""

    def deconstruct(self) -> tuple:
        # A plain text column to migrations, which keep no project code.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


@_FtsIndexField.register_lookup
class _Match(models.Lookup):
    lookup_name = "match"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", (*lhs_params, *rhs_params)


class CodeSearchEntry(models.Model):
    """A code's row in SQLite's FTS5 index `codes_code_fts` (migration 0002), which the
    ranked search joins (codes/search/sqlite.py). Not managed: an FTS5 table is a
    virtual table Django cannot create, and PostgreSQL has none (its engine reads a
    column of the codes table). The importer refills it (`search.rebuild_index`)."""

    rowid = models.BigIntegerField(primary_key=True)
    code_row = _FtsRowJoin(
        Code,
        on_delete=models.DO_NOTHING,
        from_fields=["rowid"],
        to_fields=["id"],
        related_name="search_entries",
    )
    index = _FtsIndexField(db_column="codes_code_fts")

    class Meta:
        managed = False
        db_table = "codes_code_fts"

    def __str__(self) -> str:
        return str(self.rowid)
