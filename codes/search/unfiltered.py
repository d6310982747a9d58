"""Every search without filters (most): its ranked query compiled once per query shape.

Building the ranked query's SQL costs Django as much as the database takes to run it
(about a millisecond, much of a search page). Its SQL depends only on the query's shape
(how many terms, which are expanded, whether it names a drug) and the page, so for the
unfiltered codes each engine compiles it once per shape (codes/compiled.py) and runs it
with each query's own strings and weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codes.compiled import CompiledQuery
from codes.models import Code
from codes.search.query import ParsedQuery, Term
from codes.search.scoring import is_drug_name, item_heads

# A compiled query and the values of its stand-ins for one search.
Run = tuple[CompiledQuery, dict[str, Any]]


@dataclass
class UnfilteredRanking:
    """The ranked codes of a search without filters, as a paginator counts and slices
    them; the same rows, in the same order, as the engine's
    `ranked(Code.objects.all(), parsed)`. Each engine says which compiled queries."""

    parsed: ParsedQuery
    fields: tuple[str, ...]
    using: str
    # The rows the caller will most likely ask for first (the page asked for), which an
    # engine may fetch with the count.
    first_rows: tuple[int, int] | None = None

    def count_query(self) -> Run:
        raise NotImplementedError

    def page_query(self, rows: tuple[int, int]) -> Run:
        raise NotImplementedError

    @property
    def expanded(self) -> list[Term]:
        """The terms a drug name or lay term expands (their typed words count too)."""
        return [t for t in self.parsed.terms if t.expansion is not None]

    def shape(self, rows: tuple[int, int]) -> dict[str, Any]:
        """What both engines' query shapes hold: the SQL, not the values, depends on it."""
        return {
            "literals": len(self.expanded),
            "drug_name": any(is_drug_name(t) for t in self.parsed.terms),
            "heads": item_heads(self.parsed),
            "fields": self.fields,
            "rows": rows,
        }

    def count(self) -> int:
        query, values = self.count_query()
        row = query.first_row(self.using, **values)
        return row[0] if row else 0

    def __getitem__(self, rows: slice) -> list[Code]:
        if rows.stop <= (rows.start or 0):  # the empty first page of no results
            return []
        query, values = self.page_query((rows.start or 0, rows.stop))
        return query.all(self.using, **values)
