"""PostgreSQL: a stored, GIN-indexed `tsvector` column (migrations 0004 and 0008; code
A, short description B, long description C), matched with `to_tsquery` lexemes, scored
with `ts_rank`, each term's inverse document frequency and pg_trgm similarity.

Written with django.contrib.postgres expressions (SearchQuery, SearchRank,
TrigramSimilarity). Two things are not a model field or lookup, for a stated reason:
the vector column and the stored rank terms of migration 0011 (penalties and age that do
not depend on the query) exist only on PostgreSQL (SQLite must keep working, so they are
no model fields and are named in SQL), and the penalties of `scoring.py` are one SQL
fragment shared with SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db import models
from django.db.models import Count, FloatField, Value, Window
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Round

from codes.compiled import CompiledQuery
from codes.models import Code
from codes.search import unfiltered
from codes.search.expressions import FuncWithParams
from codes.search.query import ParsedQuery, Term
from codes.search.scoring import (
    LITERAL_WEIGHT,
    SCORE_STEP,
    is_drug_name,
    item_heads,
    penalty_sql,
    term_weight,
)

# PostgreSQL keeps each code's weighted tsvector in a generated column (migration 0004):
# ranking reads it instead of rebuilding the vector for every matching row.
PG_VECTOR_COLUMN = "search_vector"
# ts_rank weights for D, C, B, A: long description C, short description B, code A; the
# same proportions as the bm25 column weights on SQLite.
PG_RANK_WEIGHTS = [0.1, 0.1, 0.4, 1.0]
# Divide the rank by the document length, as bm25 does.
PG_RANK_NORMALIZATION = 2
PG_SIMILARITY_WEIGHT = 5
# scoring.py's age term (AGE_WEIGHT, AGE_REFERENCE_YEAR), stored per code as a generated
# column (migration 0011) in the double precision the rank adds it in.
AGE_BONUS_COLUMN = "age_bonus"
PG_IDF_WEIGHT = 2


class SearchVectorColumn(models.Expression):
    """The stored tsvector column of the codes table, under the query's own alias."""

    output_field = SearchVectorField()

    def __init__(self, alias: str | None = None):
        super().__init__()
        self.alias = alias

    def resolve_expression(self, query=None, *args, **kwargs):
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.alias)
        return f"{table}.{connection.ops.quote_name(PG_VECTOR_COLUMN)}", []


class AsNumeric(models.Func):
    # round() to SCORE_STEP must be exact, as it is in numeric; Cast() needs digits.
    template = "(%(expressions)s)::numeric"
    output_field = models.DecimalField()


def tsquery(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="raw", config="english")


def tsquery_term(term: Term) -> str:
    """A `to_tsquery` string for one term; words are letters and digits only."""
    alternatives = []
    for alternative in term.alternatives:
        words = alternative.split()
        if len(words) > 1:
            alternatives.append("(" + " <-> ".join(words) + ")")
        else:
            alternatives.append(
                alternative + (":*" if term.prefix and alternative == term.word else "")
            )
    return "(" + " | ".join(alternatives) + ")"


def tsquery_literal(term: Term) -> str:
    """The typed words of an expanded term, as one `to_tsquery` phrase."""
    return "(" + " <-> ".join(term.literal.split()) + ")"


def _full_query(parsed: ParsedQuery) -> str:
    return " | ".join(tsquery_term(t) for t in parsed.terms)


def matching(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    return matching_query(queryset, _full_query(parsed))


def matching_query(queryset: models.QuerySet, text: str) -> models.QuerySet:
    """Codes the `to_tsquery` string `text` matches: one GIN index lookup."""
    return queryset.alias(search_vector=SearchVectorColumn()).filter(search_vector=tsquery(text))


class _Worth(FuncWithParams):
    """`weight` for a code the tsquery matches, else 0. Tested on the row, whose vector
    the ranking reads anyway: a list of the term's matches (`pk IN (…)`) costs an index
    lookup and a heap scan of every match per term, a third of the ranked query."""

    template = "CASE WHEN %(expressions)s THEN %%s ELSE 0 END"
    arg_joiner = " @@ "
    output_field = FloatField()

    def __init__(self, text: str, weight: float | str) -> None:
        # The weight: a number, or a compiled query's stand-in for one.
        super().__init__(SearchVectorColumn(), tsquery(text), params=(weight,))


def term_worth(term: Term) -> float:
    """What matching `term` is worth: ts_rank knows nothing of how rare a word is; bm25
    does. A matched term is worth TERM_WEIGHT plus its inverse document frequency."""
    return term_weight(term) + PG_IDF_WEIGHT * term.rarity


def ranked(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    terms = [(tsquery_term(t), term_worth(t)) for t in parsed.terms]
    literals = [tsquery_literal(t) for t in parsed.terms if t.expansion is not None]
    drug_name = any(is_drug_name(t) for t in parsed.terms)
    full = _full_query(parsed)
    return _ranked(
        queryset, terms, literals, full, parsed.corrected_text, drug_name, item_heads(parsed)
    )


def _ranked(
    queryset: models.QuerySet,
    terms: Sequence[tuple[str, float | str]],
    literals: list[str],
    full: str,
    corrected: str,
    drug_name: bool,
    heads: tuple[tuple[str, ...], ...] = (),
) -> models.QuerySet:
    """`ranked` from its tsquery strings (each term's, with its worth, each expanded
    term's typed words, and the whole query's) and the corrected query text."""
    table = queryset.model._meta.db_table
    worths = [_Worth(text, worth) for text, worth in terms]
    worths += [_Worth(text, LITERAL_WEIGHT) for text in literals]
    score = Value(100) * SearchRank(
        SearchVectorColumn(),
        tsquery(full),
        weights=PG_RANK_WEIGHTS,
        normalization=PG_RANK_NORMALIZATION,
    ) + Value(PG_SIMILARITY_WEIGHT) * TrigramSimilarity("short_description", corrected)
    step = Value(Decimal(str(SCORE_STEP)))
    rank: Expression = worths[0]
    for worth in worths[1:]:
        rank = rank + worth
    rank = (
        rank
        + step * Round(AsNumeric(score) / step)
        - RawSQL(penalty_sql(table, "postgresql", drug_name, heads), [], output_field=FloatField())
        + RawSQL(f"{table}.{AGE_BONUS_COLUMN}", [], output_field=FloatField())
    )
    return (
        matching_query(queryset, full)
        .annotate(rank=models.ExpressionWrapper(rank, output_field=FloatField()))
        .order_by("-rank", "code")
    )


# Every search without filters (most): compiled once per shape (unfiltered.py). A
# term's worth depends on its word's rarity, so it is a parameter, not part of the shape.


@dataclass(frozen=True)
class _Shape:
    terms: int
    literals: int
    drug_name: bool
    heads: tuple[tuple[str, ...], ...]
    fields: tuple[str, ...]
    rows: tuple[int, int]  # the page's slice

    def build(self, full: str, corrected: str, **strings: str) -> models.QuerySet:
        terms = [(strings[f"term_{n}"], strings[f"worth_{n}"]) for n in range(self.terms)]
        literals = [strings[f"literal_{n}"] for n in range(self.literals)]
        codes = Code.objects.all()
        ranked = _ranked(codes, terms, literals, full, corrected, self.drug_name, self.heads)
        # Every row also says how many codes matched: the page needs no count query.
        counted = ranked.annotate(matched_total=Window(Count("pk")))
        return counted.only(*self.fields)[self.rows[0] : self.rows[1]]


@lru_cache(maxsize=512)
def _compiled_page(shape: _Shape) -> CompiledQuery[Code]:
    names = [f"{kind}_{n}" for n in range(shape.terms) for kind in ("term", "worth")]
    names += [f"literal_{n}" for n in range(shape.literals)]
    stand_ins = {n: f"\x00{n}" for n in ("full", "corrected", *names)}
    return CompiledQuery(shape.build, **stand_ins)


def _count_queryset(full: str) -> models.QuerySet:
    """`SELECT COUNT(*) … WHERE`: one aggregate over one group. (A window count under
    LIMIT 1, as on SQLite, has the planner expect to stop at the first row, so it scans
    the table instead of using the GIN index: 9 ms instead of 0.4.)"""
    matched = matching_query(Code.objects.all(), full).order_by()
    one_group = matched.values(whole=Value(1))
    return one_group.annotate(total=Count("pk")).values_list("total")


_COUNT = CompiledQuery(_count_queryset, full="\x00full")


class UnfilteredRanking(unfiltered.UnfilteredRanking):
    """Counted with the rows the page will ask for (`first_rows`), when there are any:
    one query for the page instead of two."""

    _fetched: tuple[int, int, list[Code]] | None = None

    def count_query(self) -> unfiltered.Run:
        return _COUNT, {"full": _full_query(self.parsed)}

    def count(self) -> int:
        if self.first_rows is not None:
            start, stop = self.first_rows
            rows = super().__getitem__(slice(start, stop))
            self._fetched = (start, stop, rows)
            if rows:
                return rows[0].matched_total  # type: ignore[attr-defined]  # an annotation
        return super().count()

    def __getitem__(self, rows: slice) -> list[Code]:
        start = rows.start or 0
        if self._fetched and self._fetched[0] == start and rows.stop <= self._fetched[1]:
            return self._fetched[2][: rows.stop - start]
        return super().__getitem__(rows)

    def page_query(self, rows: tuple[int, int]) -> unfiltered.Run:
        terms = self.parsed.terms
        shape = _Shape(terms=len(terms), **self.shape(rows))
        values: dict[str, Any] = {
            "full": _full_query(self.parsed),
            "corrected": self.parsed.corrected_text,
        }
        for n, term in enumerate(terms):
            values |= {f"term_{n}": tsquery_term(term), f"worth_{n}": term_worth(term)}
        values |= {f"literal_{n}": tsquery_literal(t) for n, t in enumerate(self.expanded)}
        return _compiled_page(shape), values
