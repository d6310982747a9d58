"""Code-page fragments rendered once per distinct input, then reused.

A code page shows about thirty field names (each with its glossary tooltip and link),
forty values and a dozen field rows; included one by one they were most of the page's
rendering time. A field name's HTML depends only on its glossary entry, and the same
values and rows (coverage "C", BETOS "O1E", a date) recur across thousands of pages, so
each distinct one is rendered by its own template once per process and served from
memory after that. The site header depends only on the page's URL name and search
text, the contact list only on the data version, and the search page's filter form
without filters on nothing at all. The output is the template's,
byte for byte: the templates stay the one definition.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

from django import template
from django.template import loader
from django.template.context import Context
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from codes import presentation
from codes.models import ContactEntry
from codes.versioned import PerVersion

register = template.Library()

# Distinct values kept per process: a full release has fewer than this on its pages'
# coded fields, and each entry is a few hundred bytes.
VALUE_CACHE_SIZE = 8192
# Field rows and summary facts: the common ones (a coverage code, a date added) are a
# few thousand; rows unique to one code (its sequence number) come and go.
ROW_CACHE_SIZE = 16384


def _render(name: str, context: dict[str, Any]) -> str:
    return loader.get_template(name).render(context)


@lru_cache(maxsize=512)
def _field_name_html(name, label, summary_label, tip_id, short, short_label, prefix) -> str:
    row = {"name": name, "label": label, "summary_label": summary_label, "tip_id": tip_id}
    row["doc"] = {"short": short}
    return _render("codes/_field_name.html", {"row": row, "short_label": short_label})


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def _value_html(value, prefix) -> str:
    return _render("codes/_value.html", {"value": value})


@lru_cache(maxsize=ROW_CACHE_SIZE)
def _field_row_html(row, prefix) -> str:
    return _render("codes/_field_row.html", {"row": row})


@lru_cache(maxsize=ROW_CACHE_SIZE)
def _fact_html(row, prefix) -> str:
    # Without the file's final newline: the summary's loop lays out the lines.
    return _render("codes/_fact.html", {"row": row}).removesuffix("\n")


@lru_cache(maxsize=ROW_CACHE_SIZE)
def _blank_fields_html(rows: tuple[presentation.FieldRow, ...], prefix: str) -> str:
    # Without the file's final newline: the line of the tag ends the list.
    return _render("codes/_blank_fields.html", {"rows": rows}).removesuffix("\n")


@lru_cache(maxsize=256)
def _header_html(url_name: str | None, query: str | None, prefix: str) -> str:
    request = {"resolver_match": {"url_name": url_name}, "GET": {"q": query}}
    return _render("includes/header.html", {"request": request})


@register.simple_tag
def field_name(row, short_label: bool = False) -> SafeString:
    """`codes/_field_name.html` for a presentation.FieldRow (or a field shaped like one)."""
    html = _field_name_html(
        row.name,
        row.label,
        row.summary_label if short_label else row.label,
        row.tip_id,
        row.doc.short,
        bool(short_label),
        get_script_prefix(),
    )
    return mark_safe(html)  # rendered by the autoescaping template


@register.simple_tag
def shown_value(value) -> SafeString:
    """`codes/_value.html` for a presentation.ShownValue (a frozen, hashable value)."""
    return mark_safe(_value_html(value, get_script_prefix()))


@register.simple_tag
def field_row(row) -> SafeString:
    """`codes/_field_row.html` for a presentation.FieldRow (frozen, hashable)."""
    return mark_safe(_field_row_html(row, get_script_prefix()))


@register.simple_tag
def fact(row) -> SafeString:
    """`codes/_fact.html`: one of the summary's values, for a presentation.FieldRow."""
    return mark_safe(_fact_html(row, get_script_prefix()))


@register.simple_tag
def blank_fields(page: presentation.CodePage) -> SafeString:
    """`codes/_blank_fields.html`: the table's blank fields, named together. Records of
    a kind are mostly blank in the same fields, so each set is rendered once."""
    return mark_safe(_blank_fields_html(tuple(page.blank_rows), get_script_prefix()))


@register.simple_tag(takes_context=True)
def site_header(context: Context) -> SafeString:
    """`includes/header.html`, which reads only the URL name and the search text."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    query = request.GET.get("q") if request is not None else None
    url_name = match.url_name if match is not None else None
    return mark_safe(_header_html(url_name, query, get_script_prefix()))


@lru_cache(maxsize=256)
def _state_options_html(states: tuple[tuple[str, str], ...], state: str, prefix: str) -> str:
    # Without the file's final newline: the line of the tag ends the options.
    html = _render("codes/_state_options.html", {"states": states, "state": state})
    return html.removesuffix("\n")


@register.simple_tag
def state_options(fees: Any) -> SafeString:
    """The fee section's state <option>s: every fee code lists the same states."""
    return mark_safe(_state_options_html(tuple(fees.states), fees.state, get_script_prefix()))


# The fee schedule's table of every state: a row per state (53) with two amounts per fee
# line (nine for E0950), and nothing shared between codes. Django renders it at several
# microseconds a cell, more than half a fee page, so its rows are written here, as the
# page sends them (without layout whitespace, as hcpcs_site/template_loaders.py trims
# the templates). Python's html.escape escapes the cells: Django's escape() gives the
# same text through a lazy-string check that costs six times the escaping.
@register.simple_tag
def fee_state_rows(schedule: Any) -> SafeString:
    """The body rows of a fee schedule's table by state (payments.dmepos_pages.Schedule)."""
    rows = []
    for row in schedule.state_rows:
        cells = "".join(
            f'<td class="amount">{escape(non_rural)}</td><td class="amount">{escape(rural)}</td>'
            for non_rural, rural in row.amounts
        )
        name, code = escape(row.name), escape(row.code)
        rows.append(f'<tr>\n<th scope="row">{name} <span class="code">{code}</span></th>\n')
        rows.append(f"{cells}</tr>\n")
    return mark_safe("".join(rows))  # every value escaped above


# The NDC packages billed under a code (up to 175, for J7512) are rows unique to it;
# written here for the reason of fee_state_rows, as the page sends them.
@register.simple_tag
def ndc_rows(packages: Any, detailed: bool = False) -> SafeString:
    """The body rows of codes/_ndc_table.html for payments NdcPackage rows: on a code
    page each NDC links to its page; `detailed` (an NDC's page) adds the quarter, the
    code, its billing unit and billing units."""
    rows = []
    for package in packages:
        ndc = escape(package.ndc)
        if package.ndc11 and not detailed:
            rows.append(f'<tr>\n<th scope="row"><a class="code" href="{escape(package.page_url)}">')
            rows.append(f"{ndc}</a></th>\n")
        else:
            rows.append(f'<tr>\n<th scope="row"><span class="code">{ndc}</span></th>\n')
        if detailed:
            code = package.hcpcs_code
            url = escape(reverse("codes:detail", args=[code]))
            rows.append(f"<td>{escape(package.dataset.quarter)}</td>")
            rows.append(f'<td><a class="code" href="{url}">{escape(code)}</a> ')
            rows.append(f"{escape(package.short_description)}</td>")
        rows.append(f"<td>{escape(package.drug_name)}</td>\n")
        rows.append(f"<td>{escape(package.labeler_name)}</td>\n")
        if detailed:
            rows.append(f"<td>{escape(package.hcpcs_dosage)}</td>")
        rows.append(f'<td class="number">{escape(package.package_text)}</td>\n')
        if detailed:
            rows.append(f'<td class="number">{escape(package.billing_units_text)}</td>')
        rows.append(f'<td class="number">{escape(package.billing_units_per_package_text)}</td>')
        rows.append("\n</tr>\n")
    return mark_safe("".join(rows))  # every value escaped above


def _filter_fields(filterset: Any) -> str:
    # Without the file's final newline, as _fact.html.
    return _render("codes/_filter_fields.html", {"filter": filterset}).removesuffix("\n")


@lru_cache(maxsize=8)
def _shared_filter_fields(key: str, filterset: Any, prefix: str) -> str:
    return _filter_fields(filterset)


@register.simple_tag
def filter_fields(filterset: Any) -> SafeString:
    """`codes/_filter_fields.html`; a filter set shared by many pages (it has a
    `fragment_key`, as the search page's unfiltered one) is rendered once."""
    key = getattr(filterset, "fragment_key", None)
    if key is None:
        return mark_safe(_filter_fields(filterset))
    return mark_safe(_shared_filter_fields(key, filterset, get_script_prefix()))


def _contact_list() -> str:
    return _render("codes/_contact.html", {"contacts": list(ContactEntry.objects.all())})


_CONTACT_LIST = PerVersion(_contact_list)


def contact_list_html(version: tuple[str, int] | None) -> str:
    """`codes/_contact.html` with the contact entries (which change only through admin
    edits, each moving the data version): one query and render per version."""
    return _CONTACT_LIST.get(version)


@register.simple_tag
def contact_list(page: presentation.CodePage) -> SafeString:
    """The contact list under the data version the page's record was read in."""
    return mark_safe(contact_list_html(presentation.data_version_of(page.code)))
