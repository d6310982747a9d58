"""What the drug pages show: a code's payment limits and NDCs, lists, quarter-to-quarter changes.

Everything reads the loaded ASP datasets (`DrugDataset` and its rows) by code string: a
code in the drug files need not be loaded as a HCPCS record, and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from codes.models import AspPrice, Code, DrugDataset, Kind, NdcPackage, NocPackage, code_page_url
from codes.payments import ndc as ndc_forms
from codes.payments import page_rows
from codes.payments.glossary import DRUG_FIELD_DOCS, FIELDS
from codes.reference import FieldDoc

DatasetKind = DrugDataset.DatasetKind
# A code's NDC table folds into <details> beyond this many packages.
FOLD_AFTER = 8
PRICING_CAVEAT_MARKER = "does not indicate"
CROSSWALK_CAVEAT_MARKER = "not intended to be a comprehensive"
# The files' own words, for datasets whose title rows do not carry them.
PRICING_CAVEAT = (
    "The absence or presence of a HCPCS code and the payment allowance limits in this table "
    "does not indicate whether Medicare covers a drug."
)
CROSSWALK_CAVEAT = (
    "The crosswalks are not intended to be a comprehensive list of all drugs/NDCs available in "
    "the United States."
)
_NOTE_PREFIX = re.compile(r"^\s*Note\s*\d+\s*:\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=\.)\s+")


def quoted_note(title_rows: str, marker: str, default: str) -> str:
    """The title row (without its "Note 2:") that contains `marker`, in the file's words."""
    for line in title_rows.splitlines():
        if marker in line.lower():
            return " ".join(_NOTE_PREFIX.sub("", line).split())
    return default


def quoted_sentence(title_rows: str, marker: str, default: str) -> str:
    """The sentence of the title rows that contains `marker`."""
    for line in title_rows.splitlines():
        for sentence in _SENTENCE_END.split(line):
            if marker in sentence.lower():
                return " ".join(sentence.split())
    return default


@dataclass
class CodePricing:
    """A drug code's payment limits (every loaded quarter, newest first) and NDC packages."""

    code: str
    prices: list[AspPrice]
    packages: list[NdcPackage]

    fields = FIELDS

    @property
    def current(self) -> AspPrice | None:
        return self.prices[0] if self.prices else None

    @property
    def earlier(self) -> list[AspPrice]:
        return self.prices[1:]

    @property
    def packages_dataset(self) -> DrugDataset | None:
        return self.packages[0].dataset if self.packages else None

    @property
    def folds(self) -> bool:
        return len(self.packages) > FOLD_AFTER

    @property
    def caveat(self) -> str:
        dataset = self.current.dataset if self.current else None
        rows = dataset.title_rows if dataset else ""
        return quoted_note(rows, PRICING_CAVEAT_MARKER, PRICING_CAVEAT)

    @property
    def crosswalk_caveat(self) -> str:
        dataset = self.packages_dataset
        rows = dataset.title_rows if dataset else ""
        return quoted_sentence(rows, CROSSWALK_CAVEAT_MARKER, CROSSWALK_CAVEAT)

    def as_json(self) -> dict:
        return {
            "caveat": self.caveat,
            "prices": [price_json(price) for price in self.prices],
            "ndc_quarter": self.packages_dataset.quarter if self.packages_dataset else None,
            "ndc_packages": [package_json(package) for package in self.packages],
        }


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def price_json(price: AspPrice) -> dict:
    dataset = price.dataset
    return {
        "quarter": dataset.quarter,
        "effective_start": dataset.effective_start.isoformat(),
        "effective_end": dataset.effective_end.isoformat() if dataset.effective_end else None,
        "short_description": price.short_description,
        "billing_unit": price.dosage,
        "payment_limit": _decimal_text(price.payment_limit),
        "payment_limit_text": price.payment_limit_text or None,
        "coinsurance_percent": _decimal_text(price.coinsurance_percent),
        "vaccine_awp_percent": _decimal_text(price.vaccine_awp_percent),
        "vaccine_limit": _decimal_text(price.vaccine_limit),
        "blood_awp_percent": _decimal_text(price.blood_awp_percent),
        "blood_limit": _decimal_text(price.blood_limit),
        "clotting_factor": price.clotting_factor or None,
        "notes": price.notes or None,
    }


def package_json(package: NdcPackage) -> dict:
    return {
        "ndc": package.ndc,
        "ndc11": package.ndc11 or None,
        "labeler_name": package.labeler_name,
        "drug_name": package.drug_name,
        "hcpcs_dosage": package.hcpcs_dosage,
        "package_size": _decimal_text(package.package_size),
        "package_quantity": _decimal_text(package.package_quantity),
        "billing_units": _decimal_text(package.billing_units),
        "billing_units_per_package": _decimal_text(package.billing_units_per_package),
    }


def glossary_fields() -> list[FieldDoc]:
    return list(DRUG_FIELD_DOCS.values())


def pricing_json(pricing: CodePricing | None) -> dict:
    """The code JSON's "drug_pricing" member; nothing at all for a code no drug file lists."""
    return {"drug_pricing": pricing.as_json()} if pricing else {}


def code_pricing(code: Code) -> CodePricing | None:
    """A procedure code's drug pricing, or None when no drug file lists it.

    A record from presentation.code_record carries its rows (payments/page_rows.py);
    any other costs two queries."""
    if code.kind != Kind.PROCEDURE:
        return None
    if page_rows.carries_rows(code):
        prices, packages = page_rows.prices(code), page_rows.packages(code)
    else:
        prices, packages = _prices_of(code.code), _packages_of(code.code)
    if not prices and not packages:
        return None
    return CodePricing(code.code, prices, packages)


def _prices_of(code: str) -> list[AspPrice]:
    return list(
        AspPrice.objects.filter(hcpcs_code=code)
        .select_related("dataset")
        .order_by(*page_rows.PRICE_ORDER)
    )


def _packages_of(code: str) -> list[NdcPackage]:
    newest_crosswalk = (
        DrugDataset.objects.filter(kind=DatasetKind.ASP_CROSSWALK, packages__hcpcs_code=code)
        .order_by("-effective_start")
        .values("id")[:1]
    )
    return list(
        NdcPackage.objects.filter(hcpcs_code=code, dataset=Subquery(newest_crosswalk))
        .select_related("dataset")
        .order_by(*page_rows.PACKAGE_ORDER)
    )


def trade_names(using: str | None = None) -> dict[str, set[str]]:
    """{trade name, lowercased: set of HCPCS codes} from the newest loaded crosswalk quarter.

    Contract, for search: keys are CMS's "Drug Name" cells lowercased with runs of
    whitespace made single spaces and the ends trimmed ("keytruda", "carepatch™ amniotic
    membrane"); values are the HCPCS codes (CPT rows are never loaded) billed for that
    name in that quarter, e.g. {"keytruda": {"J9271"}, "neulasta": {"J2506"}}. Only the
    newest crosswalk quarter counts, so a name dropped by CMS drops here. Empty when no
    crosswalk is loaded. One query each call; cache the result per data version.
    """
    newest = (
        DrugDataset.objects.using(using)
        .filter(kind=DatasetKind.ASP_CROSSWALK)
        .order_by("-effective_start")
        .values("id")[:1]
    )
    names: dict[str, set[str]] = {}
    rows = (
        NdcPackage.objects.using(using)
        .filter(dataset=Subquery(newest))
        .values_list("drug_name", "hcpcs_code")
    )
    for name, code in rows.order_by().distinct():
        key = " ".join(name.split()).lower()
        if key:
            names.setdefault(key, set()).add(code)
    return names


# NDC lookup --------------------------------------------------------------------------------


@dataclass
class NdcMatch:
    """The crosswalk rows of one NDC: packages billed under a code, or NOC drug packages."""

    ndc11: str
    packages: list[NdcPackage]
    noc_packages: list[NocPackage]

    fields = FIELDS

    @property
    def hyphenated(self) -> str:
        return ndc_forms.hyphenated(self.ndc11)

    @property
    def codes(self) -> list[str]:
        newest = self.packages[0].dataset_id if self.packages else None
        return sorted({p.hcpcs_code for p in self.packages if p.dataset_id == newest})

    @property
    def crosswalk_caveat(self) -> str:
        rows = self.packages[0].dataset.title_rows if self.packages else ""
        return quoted_sentence(rows, CROSSWALK_CAVEAT_MARKER, CROSSWALK_CAVEAT)


def find_ndc(text: str) -> list[NdcMatch]:
    """The NDCs the text may be (see ndc.candidates) that a loaded crosswalk lists."""
    forms = ndc_forms.candidates(text)
    if not forms:
        return []
    packages = list(
        NdcPackage.objects.filter(ndc11__in=forms)
        .select_related("dataset")
        .order_by("-dataset__effective_start", "hcpcs_code")
    )
    noc = list(
        NocPackage.objects.filter(ndc11__in=forms)
        .select_related("dataset")
        .order_by("-dataset__effective_start")
    )
    matches = []
    for form in forms:
        found = [p for p in packages if p.ndc11 == form]
        found_noc = [p for p in noc if p.ndc11 == form]
        if found or found_noc:
            matches.append(NdcMatch(form, found, found_noc))
    return matches


def ndc_url(text: str) -> str | None:
    """The NDC page for search text that is an NDC a loaded crosswalk lists, else None.

    Text that cannot be an NDC costs no query."""
    if not ndc_forms.candidates(text):
        return None
    matches = find_ndc(text)
    if not matches:
        return None
    shown = matches[0].hyphenated if len(matches) == 1 else text.strip()
    return reverse("codes:ndc_detail", args=[shown])


# The list of priced codes and what changed between quarters ------------------------------


def pricing_quarters() -> list[DrugDataset]:
    """The loaded ASP pricing quarters, newest first."""
    return list(
        DrugDataset.objects.filter(kind=DatasetKind.ASP_PRICING).order_by("-effective_start")
    )


def export_rows(prices: QuerySet[AspPrice]) -> Iterator[dict]:
    for price in prices.select_related("dataset").iterator(chunk_size=1000):
        yield {"hcpcs_code": price.hcpcs_code, **price_json(price)}


EXPORT_COLUMNS = [
    "hcpcs_code",
    "quarter",
    "effective_start",
    "effective_end",
    "short_description",
    "billing_unit",
    "payment_limit",
    "payment_limit_text",
    "coinsurance_percent",
    "vaccine_awp_percent",
    "vaccine_limit",
    "blood_awp_percent",
    "blood_limit",
    "clotting_factor",
    "notes",
]


@dataclass(frozen=True)
class LimitChange:
    code: str
    short_description: str
    billing_unit: str
    old: Decimal | None
    new: Decimal | None
    status: str  # added | removed | changed | unchanged

    @property
    def url(self) -> str:
        return code_page_url(Kind.PROCEDURE, self.code)

    @property
    def difference(self) -> Decimal | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def percent(self) -> Decimal | None:
        if self.difference is None or not self.old:
            return None
        return (self.difference * 100 / self.old).quantize(Decimal("0.1"))

    def as_json(self) -> dict:
        return {
            "hcpcs_code": self.code,
            "short_description": self.short_description,
            "billing_unit": self.billing_unit,
            "old_payment_limit": _decimal_text(self.old),
            "new_payment_limit": _decimal_text(self.new),
            "difference": _decimal_text(self.difference),
            "percent": _decimal_text(self.percent),
            "status": self.status,
        }


CHANGE_COLUMNS = [
    "hcpcs_code",
    "short_description",
    "billing_unit",
    "old_payment_limit",
    "new_payment_limit",
    "difference",
    "percent",
    "status",
]


@dataclass(frozen=True)
class ChangeGroups:
    changed: list[LimitChange]
    added: list[LimitChange]
    removed: list[LimitChange]
    unchanged_count: int

    @property
    def lists(self) -> list[tuple[str, list[LimitChange], str]]:
        """(heading, changes, which figure to show) of the codes only one quarter lists."""
        return [("Added", self.added, "new"), ("No longer listed", self.removed, "old")]

    @classmethod
    def of(cls, changes: list[LimitChange]) -> ChangeGroups:
        def having(status: str) -> list[LimitChange]:
            return [c for c in changes if c.status == status]

        return cls(
            having("changed"),
            having("added"),
            having("removed"),
            sum(1 for c in changes if c.status == "unchanged"),
        )


def limit_changes(old: DrugDataset, new: DrugDataset) -> list[LimitChange]:
    """Per code, its payment limit in `old` and `new` (two queries), by code."""
    columns = ("hcpcs_code", "short_description", "dosage", "payment_limit")
    before = {row[0]: row for row in AspPrice.objects.filter(dataset=old).values_list(*columns)}
    after = {row[0]: row for row in AspPrice.objects.filter(dataset=new).values_list(*columns)}
    changes = []
    for code in sorted(before.keys() | after.keys()):
        was, now = before.get(code), after.get(code)
        described = now or before[code]
        old_limit = was[3] if was else None
        new_limit = now[3] if now else None
        if was is None:
            status = "added"
        elif now is None:
            status = "removed"
        elif old_limit != new_limit:
            status = "changed"
        else:
            status = "unchanged"
        changes.append(LimitChange(code, described[1], described[2], old_limit, new_limit, status))
    return changes


def newest_price_subquery(field: str) -> Subquery:
    """A code's `field` in the newest pricing quarter that lists it, for annotating codes."""
    return Subquery(
        AspPrice.objects.filter(hcpcs_code=OuterRef("code"))
        .order_by("-dataset__effective_start")
        .values(field)[:1]
    )
