"""The browse filters: one FilterSet for the code list, the modifier list and search.

Every filter reads a GET parameter, so a filtered list is a URL that can be bookmarked.
Values outside the CMS code tables make the form invalid; the views then answer 400 with
the form's errors instead of guessing.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterable
from functools import partial
from typing import cast

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.forms import ChoiceField
from django.utils.safestring import mark_safe

from codes import code_shapes
from codes.models import repeated_columns
from codes.querysets import CodeQuerySet
from codes.reference import CODE_TABLES, OFFERED_SECTIONS, SECTIONS_BY_SLUG

STATUS_CHOICES = [("active", "Active"), ("terminated", "Terminated")]
CODE_PART = RegexValidator(
    re.compile(rf"^(?:{code_shapes.CODE_PART.pattern})$"),
    "Enter up to five letters and digits, e.g. E0100.",
)
# Parameters whose values are codes or code-table keys, compared in upper case.
UPPERCASE_PARAMETERS = ("section", "from_code", "to_code", "coverage", "betos", "action")


def _section_choices() -> list[tuple[str, str]]:
    """The sections (reference.SECTION_RANGES, as on the home page), then whole letters."""
    sections = [(s.slug, f"{s.first[0]}: {s.heading}") for s in OFFERED_SECTIONS]
    letters = dict.fromkeys(s.letter for s in OFFERED_SECTIONS)
    return sections + [(letter, f"All {letter} codes") for letter in letters]


def _letter_choices() -> list[tuple[str, str]]:
    return [(letter, letter) for letter in string.ascii_uppercase]


def _table_choices(table: str) -> list[tuple[str, str]]:
    return [(key, f"{key}: {meaning}") for key, meaning in sorted(CODE_TABLES[table].items())]


class CodeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Words or code")
    section = django_filters.ChoiceFilter(
        empty_label="Any", method="filter_section", label="Section", choices=_section_choices
    )
    from_code = django_filters.CharFilter(
        field_name="code", lookup_expr="gte", label="From code", validators=[CODE_PART]
    )
    to_code = django_filters.CharFilter(
        method="filter_to_code", label="To code", validators=[CODE_PART]
    )
    coverage = django_filters.ChoiceFilter(
        empty_label="Any",
        field_name="coverage_code",
        lookup_expr="exact",
        label="Coverage",
        choices=partial(_table_choices, "coverage"),
    )
    betos = django_filters.ChoiceFilter(
        empty_label="Any",
        field_name="betos_code",
        lookup_expr="exact",
        label="BETOS",
        choices=partial(_table_choices, "betos"),
    )
    type_of_service = django_filters.ChoiceFilter(
        empty_label="Any",
        method="filter_type_of_service",
        label="Type of service",
        choices=partial(_table_choices, "type_of_service"),
    )
    pricing = django_filters.ChoiceFilter(
        empty_label="Any",
        method="filter_pricing",
        label="Pricing indicator",
        choices=partial(_table_choices, "pricing_indicator"),
    )
    action = django_filters.ChoiceFilter(
        empty_label="Any",
        field_name="action_code",
        lookup_expr="exact",
        label="Action",
        choices=partial(_table_choices, "action"),
    )
    status = django_filters.ChoiceFilter(
        empty_label="Any", method="filter_status", label="Status", choices=STATUS_CHOICES
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for name in UPPERCASE_PARAMETERS:
                if name in data and not (name == "section" and len(data[name].strip()) > 1):
                    data[name] = data[name].strip().upper()
                elif name in data:
                    data[name] = data[name].strip().lower()
        super().__init__(data, *args, **kwargs)

    @property
    def fields(self) -> list[dict]:
        """The form's fields with their <option>s rendered here: a template loop (or
        format_html) over the hundred-odd BETOS and pricing choices costs more than the
        rest of the page, and the choices never change while the process runs."""
        fields = []
        for field in self.form:
            value = field.value()
            value = "" if value is None else str(value)
            options = None
            if field.widget_type == "select":
                options = mark_safe(
                    "".join(
                        f'<option value="{escaped}"{" selected" if key == value else ""}>'
                        f"{label}</option>"
                        for key, escaped, label in _escaped_choices(self, field.name)
                    )
                )
            fields.append({"field": field, "value": value, "options": options})
        return fields

    @property
    def active_filters(self) -> dict[str, str]:
        """The filters in use (valid ones), for showing and for export links."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {name: value for name, value in self.form.cleaned_data.items() if value}

    def filter_q(self, queryset: CodeQuerySet, name: str, value: str) -> QuerySet:
        # Lists are in code order: matching codes, without scoring each one.
        return queryset.matching(value)

    def filter_section(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        section = SECTIONS_BY_SLUG.get(value)
        if section is None:
            return queryset.filter(code__startswith=value)
        return queryset.filter(code__gte=section.low, code__lt=section.high)

    def filter_to_code(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # "To E02" means every code that starts E02; digits sort before "Z".
        return queryset.filter(code__lte=value + "Z" * (5 - len(value)))

    def filter_type_of_service(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_any_column("type_of_service_codes", value))

    def filter_pricing(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_any_column("pricing_indicators", value))

    def filter_status(self, queryset: CodeQuerySet, name: str, value: str) -> QuerySet:
        return queryset.active() if value == "active" else queryset.terminated()


_ESCAPED_CHOICES: dict[tuple[type, str], list[tuple[str, str, str]]] = {}


def _escaped_choices(filterset: CodeFilter, name: str) -> list[tuple[str, str, str]]:
    held = _ESCAPED_CHOICES.get((type(filterset), name))
    if held is None:
        field = cast(ChoiceField, filterset.form.fields[name])
        # Django normalises choices to pairs; the stubs type the getter as any accepted input.
        choices = cast(Iterable[tuple[object, object]], field.choices)
        held = [
            (str(key), html.escape(str(key)), html.escape(str(label))) for key, label in choices
        ]
        _ESCAPED_CHOICES[type(filterset), name] = held
    return held


def _any_column(group: str, value: str) -> Q:
    condition = Q()
    for column in repeated_columns(group):
        condition |= Q(**{column: value})
    return condition


class ModifierFilter(CodeFilter):
    """The filters that apply to modifiers: CMS fills no pricing, BETOS or type of
    service for them, and their two-character codes are grouped by first letter."""

    section = django_filters.ChoiceFilter(
        empty_label="Any",
        field_name="code",
        lookup_expr="startswith",
        label="First letter",
        choices=_letter_choices,
    )
    # None removes the inherited filter, as django-filter documents; its stubs only allow
    # the filter's own type for the attribute.
    from_code = None  # type: ignore[assignment]
    to_code = None  # type: ignore[assignment]
    betos = None  # type: ignore[assignment]
    type_of_service = None  # type: ignore[assignment]
    pricing = None  # type: ignore[assignment]
