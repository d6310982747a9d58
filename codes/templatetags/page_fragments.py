"""Code-page fragments rendered once per distinct input, then reused.

A code page shows about thirty field names (each with its glossary tooltip and link)
and forty values; included one by one they were half of the page's rendering time.
A field name's HTML depends only on its glossary entry, and the same values (coverage
"C", BETOS "O1E", a date) recur across thousands of pages, so each distinct one is
rendered by its own template once per process and served from memory after that. The
output is the template's, byte for byte: the templates stay the one definition.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template import loader
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Distinct values kept per process: a full release has fewer than this on its pages'
# coded fields, and each entry is a few hundred bytes.
VALUE_CACHE_SIZE = 8192


@lru_cache(maxsize=512)
def _field_name_html(name, label, summary_label, tip_id, short, short_label, prefix) -> str:
    row = {"name": name, "label": label, "summary_label": summary_label, "tip_id": tip_id}
    row["doc"] = {"short": short}
    context = {"row": row, "short_label": short_label}
    return loader.get_template("codes/_field_name.html").render(context)


@lru_cache(maxsize=VALUE_CACHE_SIZE)
def _value_html(value, prefix) -> str:
    return loader.get_template("codes/_value.html").render({"value": value})


@register.simple_tag
def field_name(row, short_label: bool = False) -> SafeString:
    """`codes/_field_name.html` for a presentation.FieldRow."""
    html = _field_name_html(
        row.name,
        row.label,
        row.summary_label,
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
