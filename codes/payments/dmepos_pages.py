"""What the DMEPOS fee schedule shows: the code page section, the browse list, the changes.

`code_section(code, params)` reads every fee row of a code, all quarters, in one query
(a code has at most a few dozen), and shows the newest quarter or the one `?quarter=`
names; `?state=` picks the state whose non-rural and rural fees sit beside each modifier.
Unknown parameters fall back to the defaults, so no request can fail here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Exists, OuterRef

from codes.models import (
    Code,
    DmeposFee,
    DmeposFile,
    DmeposQuarter,
    DmeposRuralZip,
    Kind,
    code_page_url,
)
from codes.named_field import NamedField
from codes.payments import dmepos_layout as layout
from codes.payments import page_rows

DATASET_HEADINGS: dict[str, str] = {
    DmeposFile.Dataset.DMEPOS: "DMEPOS fee schedule",
    DmeposFile.Dataset.PEN: "PEN fee schedule (parenteral and enteral nutrition)",
}


def dollars(text: str | Decimal | None) -> str:
    """ "$1,234.50" for an amount; "" for a blank one."""
    if text is None or text == "":
        return ""
    return f"${Decimal(text):,.2f}"


def fee_field(key: str) -> NamedField:
    """A fee schedule column named by its glossary entry, for _field_name.html."""
    return NamedField(layout.FIELD_DOCS[f"dmepos_{key}"])


FIELDS = {
    key: fee_field(key)
    for key in (
        "rural_zip",
        "modifier",
        "jurisdiction",
        "category",
        "ceiling",
        "floor",
        "non_rural",
        "rural",
        "quarter",
    )
}


@dataclass(frozen=True)
class ModifierLink:
    code: str
    meaning: str

    @property
    def url(self) -> str:
        return code_page_url(Kind.MODIFIER, self.code)


@dataclass(frozen=True)
class FeeLine:
    """One fee row as the page shows it."""

    fee: DmeposFee

    @property
    def modifiers(self) -> list[ModifierLink]:
        return [
            ModifierLink(m, layout.MODIFIERS.get(m, ""))
            for m in (self.fee.modifier, self.fee.modifier_2)
            if m
        ]

    @property
    def label(self) -> str:
        return " ".join(m.code for m in self.modifiers) or "No modifier"

    @property
    def jurisdiction(self) -> str:
        return layout.jurisdiction_label(self.fee.jurisdiction) if self.fee.jurisdiction else ""

    @property
    def category(self) -> str:
        return layout.category_label(self.fee.category) if self.fee.category else ""

    @property
    def ceiling(self) -> str:
        return dollars(self.fee.ceiling)

    @property
    def floor(self) -> str:
        return dollars(self.fee.floor)

    @cached_property
    def _by_state(self) -> dict[str, tuple[str, str]]:
        return {code: (dollars(nr), dollars(r)) for code, nr, r in self.fee.state_fees}

    def amounts_in(self, state: str) -> tuple[str, str]:
        return self._by_state.get(state, ("", ""))


@dataclass(frozen=True)
class StateRow:
    code: str
    name: str
    amounts: list[tuple[str, str]]  # (non-rural, rural) per fee line


@dataclass(frozen=True)
class Schedule:
    """The rows of one dataset (DMEPOS or PEN) for the code in the shown quarter."""

    dataset: str
    lines: list[FeeLine]
    state: str

    @property
    def heading(self) -> str:
        return DATASET_HEADINGS[self.dataset]

    @property
    def key(self) -> str:
        return self.dataset

    @property
    def has_jurisdiction(self) -> bool:
        return any(line.fee.jurisdiction or line.fee.category for line in self.lines)

    @property
    def selected(self) -> list[tuple[FeeLine, tuple[str, str]]]:
        return [(line, line.amounts_in(self.state)) for line in self.lines]

    @property
    def state_rows(self) -> list[StateRow]:
        states = [code for code, _nr, _r in self.lines[0].fee.state_fees]
        return [
            StateRow(code, layout.state_name(code), [line.amounts_in(code) for line in self.lines])
            for code in states
        ]


ZIP_CODE = re.compile(r"\d{5}")


@dataclass(frozen=True)
class ZipAnswer:
    """Whether a ZIP code is rural, by the newest rural ZIP file not after the quarter shown."""

    zip_code: str
    file_quarter: DmeposQuarter | None  # None: no rural ZIP file is loaded for this quarter
    is_rural: bool


def rural_zip_answer(zip_code: str, quarter: DmeposQuarter) -> ZipAnswer:
    """One query: the rural ZIP file that applies, and whether it lists the ZIP code."""
    listed = DmeposRuralZip.objects.filter(quarter=OuterRef("quarter"), zip_code=zip_code)
    found = (
        DmeposFile.objects.filter(
            dataset=DmeposFile.Dataset.RURAL_ZIP,
            quarter__effective_date__lte=quarter.effective_date,
        )
        .select_related("quarter")
        .annotate(is_rural=Exists(listed))
        .order_by("-quarter__effective_date")
        .first()
    )
    if found is None:
        return ZipAnswer(zip_code, None, False)
    return ZipAnswer(zip_code, found.quarter, found.is_rural)


@dataclass(frozen=True)
class CodeFees:
    code: str
    quarter: DmeposQuarter
    quarters: list[DmeposQuarter]  # every quarter with rows for this code, newest first
    schedules: list[Schedule]
    state: str
    states: list[tuple[str, str]]
    asked_state: str  # a ?state= that is not a state of the file, to say so
    fields: dict[str, NamedField]
    zip_code: str = ""  # the ?zip= asked about, when it is five digits
    zip_answer: ZipAnswer | None = None
    zip_invalid: bool = False

    disclaimer = layout.DISCLAIMER
    non_rural_only = layout.NON_RURAL_ONLY
    non_continental = layout.NON_CONTINENTAL_RURAL

    @property
    def state_name(self) -> str:
        return layout.state_name(self.state)

    @property
    def other_quarters(self) -> list[DmeposQuarter]:
        return [q for q in self.quarters if q.pk != self.quarter.pk]

    def as_json(self) -> dict:
        return {
            "quarter": self.quarter.name,
            "effective_date": self.quarter.effective_date.isoformat(),
            "quarters": [q.name for q in self.quarters],
            "disclaimer": self.disclaimer,
            "schedules": [
                {"dataset": s.dataset, "rows": [fee_json(line.fee) for line in s.lines]}
                for s in self.schedules
            ],
        }


def fee_json(fee: DmeposFee) -> dict:
    """A fee row for the JSON exports: codes and their meanings, amounts as decimal strings."""
    return {
        "hcpcs": fee.hcpcs,
        "modifier": fee.modifier,
        "modifier_2": fee.modifier_2,
        "jurisdiction": fee.jurisdiction,
        "jurisdiction_meaning": layout.jurisdiction_label(fee.jurisdiction)
        if fee.jurisdiction
        else "",
        "category": fee.category,
        "category_meaning": layout.category_label(fee.category) if fee.category else "",
        "ceiling": None if fee.ceiling is None else str(fee.ceiling),
        "floor": None if fee.floor is None else str(fee.floor),
        "description": fee.description,
        "fees": {state: {"non_rural": nr, "rural": r} for state, nr, r in fee.state_fees},
    }


def code_section(code: Code, params) -> CodeFees | None:
    """The fee schedule section of a code page, or None when the code has no fees.

    A record from presentation.code_record carries its fee rows (payments/page_rows.py);
    any other costs a query."""
    if code.kind != Kind.PROCEDURE:
        return None
    rows = page_rows.fees(code) if page_rows.carries_rows(code) else _fees_of(code.code)
    if not rows:
        return None
    quarters = list({row.quarter.pk: row.quarter for row in rows}.values())
    asked_quarter = str(params.get("quarter", ""))[:8]
    quarter = next((q for q in quarters if q.name == asked_quarter), quarters[0])
    shown = [row for row in rows if row.quarter_id == quarter.pk]
    states = [code for code, _nr, _r in shown[0].state_fees]
    asked = str(params.get("state", "")).strip().upper()[:2]
    state = asked if asked in states else ""
    asked_zip = str(params.get("zip", "")).strip()[:10]
    zip_code = asked_zip if ZIP_CODE.fullmatch(asked_zip) else ""
    schedules = [
        Schedule(dataset, [FeeLine(r) for r in shown if r.dataset == dataset], state)
        for dataset in DATASET_HEADINGS
        if any(r.dataset == dataset for r in shown)
    ]
    return CodeFees(
        code=code.code,
        quarter=quarter,
        quarters=quarters,
        schedules=schedules,
        state=state,
        states=[(s, layout.state_name(s)) for s in states],
        asked_state=asked if asked and not state else "",
        fields=FIELDS,
        zip_code=zip_code,
        zip_answer=rural_zip_answer(zip_code, quarter) if zip_code else None,
        zip_invalid=bool(asked_zip) and not zip_code,
    )


def _fees_of(code: str) -> list[DmeposFee]:
    return list(
        DmeposFee.objects.filter(hcpcs=code)
        .select_related("quarter")
        .order_by(*page_rows.FEE_ORDER)
    )


@dataclass(frozen=True)
class GlossaryTable:
    anchor: str
    label: str
    entries: list[tuple[str, str]]


def glossary() -> dict:
    """The glossary page's fee schedule fields and code tables."""
    return {
        "disclaimer": layout.DISCLAIMER,
        "fields": list(layout.FIELD_DOCS.values()),
        "tables": [
            GlossaryTable(
                "table-dmepos_jurisdiction",
                "DMEPOS jurisdiction codes",
                [(k, f"{label} ({cms})") for k, (label, cms) in layout.JURISDICTIONS.items()],
            ),
            GlossaryTable(
                "table-dmepos_category", "DMEPOS category codes", list(layout.CATEGORIES.items())
            ),
            GlossaryTable(
                "table-dmepos_modifier",
                "DMEPOS fee schedule modifiers",
                list(layout.MODIFIERS.items()),
            ),
        ],
    }
