"""SQLite: an external-content FTS5 table, `codes_code_fts` (migration 0002), over
code, short and long description (porter stemming), scored with bm25.

The ORM reaches the table through an unmanaged model, `CodeSearchEntry`: the ranked
query joins each code to its FTS5 row (a join, not a correlated subquery per row, so
FTS5 scores each match once, in one scan; the join's condition is explained at
`_FtsRowJoin` in codes/models.py), filters with a `match` lookup and scores with a
`BM25` function. One piece stays SQL: the penalties of `scoring.py`, one fragment
shared with PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from django.db.models import Count, F, FloatField, IntegerField, Value, Window
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Cast, Coalesce, Round, Substr

from codes.compiled import CompiledQuery
from codes.models import Code, CodeSearchEntry
from codes.search import unfiltered
from codes.search.expressions import FuncWithParams
from codes.search.query import MIN_PREFIX, ParsedQuery, Term
from codes.search.scoring import (
    AGE_REFERENCE_YEAR,
    AGE_WEIGHT,
    BM25_WEIGHTS,
    LITERAL_WEIGHT,
    SCORE_STEP,
    is_drug_name,
    item_heads,
    penalty_sql,
    term_weight,
)

FTS_TABLE = CodeSearchEntry._meta.db_table


class BM25(models.Func):
    """FTS5's bm25 score of the row (lower is better), its columns weighted."""

    function = "bm25"
    output_field = FloatField()

    def __init__(self, index: F, weights: tuple[float, ...]) -> None:
        super().__init__(index, *(Value(w) for w in weights))


def _matches(fts5: str) -> models.QuerySet:
    """The rowids (code ids) an FTS5 MATCH string finds: one scan of the index."""
    return CodeSearchEntry.objects.filter(index__match=fts5).values("rowid")


def matching(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    return queryset.filter(pk__in=_matches(fts5_query(parsed)))


def fts5_term(term: Term) -> str:
    alternatives = []
    for alternative in term.alternatives:
        quoted = '"{}"'.format(alternative.replace('"', '""'))
        whole = term.expansion is not None or len(alternative) < MIN_PREFIX
        if alternative != term.word or " " in alternative or whole:
            alternatives.append(quoted)
        elif term.prefix:
            alternatives.append(quoted + "*")
        else:
            # The word and words it begins: a code with the word itself scores twice.
            alternatives.append(f"{quoted} OR {quoted}*")
    return "(" + " OR ".join(alternatives) + ")"


def fts5_query(parsed: ParsedQuery) -> str:
    """An FTS5 MATCH string that matches any term; user text only ever appears quoted."""
    return " OR ".join(fts5_term(t) for t in parsed.terms)


def fts5_literal(term: Term) -> str:
    """The words the user typed for an expanded term, whole: what the typed words find
    ranks above what only the expansion finds."""
    return '"{}"'.format(term.literal.replace('"', '""'))


class _Matched(FuncWithParams):
    """1 for a code an FTS5 MATCH string finds, else 0, from one scan listing the
    matches. `Case(When(pk__in=…))` says the same through the ORM, but building that for
    each term costs ten times the SQL it saves (a millisecond a query), so this one
    expression writes its subquery."""

    template = f"(%(expressions)s IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %%s))"
    output_field = IntegerField()

    def __init__(self, fts5: str) -> None:
        super().__init__(F("pk"), params=(fts5,))


def _worth(fts5: str, weight: int) -> Expression:
    return Value(weight) * _Matched(fts5)


def ranked(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    literals = [fts5_literal(t) for t in parsed.terms if t.expansion is not None]
    terms = [(fts5_term(t), term_weight(t)) for t in parsed.terms]
    drug_name = any(is_drug_name(t) for t in parsed.terms)
    heads = item_heads(parsed)
    return _ranked(queryset, terms, literals, fts5_query(parsed), drug_name, heads)


def _ranked(
    queryset: models.QuerySet,
    terms: list[tuple[str, int]],
    literals: list[str],
    full: str,
    drug_name: bool,
    heads: tuple[tuple[str, ...], ...] = (),
) -> models.QuerySet:
    """`ranked` from its MATCH strings: each term's and weight, each expanded term's
    typed words, and the whole query's."""
    table = queryset.model._meta.db_table
    worths = [_worth(fts5, weight) for fts5, weight in terms]
    worths += [_worth(fts5, LITERAL_WEIGHT) for fts5 in literals]
    rank: Expression = worths[0]
    for worth in worths[1:]:
        rank = rank + worth
    step = Value(SCORE_STEP)
    score = BM25(F("search_entries__index"), BM25_WEIGHTS)
    added = Cast(Substr("date_added", 1, 4), IntegerField())
    rank = (
        rank
        + step * Round(-score / step)
        - RawSQL(penalty_sql(table, "sqlite", drug_name, heads), [], output_field=FloatField())
        + Value(AGE_WEIGHT)
        * (Value(AGE_REFERENCE_YEAR) - Coalesce(added, Value(AGE_REFERENCE_YEAR)))
        / Value(10.0)
    )
    return (
        queryset.filter(search_entries__index__match=full)
        .annotate(rank=models.ExpressionWrapper(rank, output_field=FloatField()))
        .order_by("-rank", "code")
    )


# Every search without filters (most): compiled once per shape (unfiltered.py).


@dataclass(frozen=True)
class _Shape:
    weights: tuple[int, ...]
    literals: int
    drug_name: bool
    heads: tuple[tuple[str, ...], ...]
    fields: tuple[str, ...]
    rows: tuple[int, int]  # the page's slice

    def build(self, full: str, **strings: str) -> models.QuerySet:
        terms = [(strings[f"term_{n}"], w) for n, w in enumerate(self.weights)]
        literals = [strings[f"literal_{n}"] for n in range(self.literals)]
        ranked = _ranked(Code.objects.all(), terms, literals, full, self.drug_name, self.heads)
        return ranked.only(*self.fields)[self.rows[0] : self.rows[1]]


@lru_cache(maxsize=512)
def _compiled_page(shape: _Shape) -> CompiledQuery[Code]:
    names = [f"term_{n}" for n in range(len(shape.weights))]
    names += [f"literal_{n}" for n in range(shape.literals)]
    return CompiledQuery(shape.build, full="\x00full", **{n: f"\x00{n}" for n in names})


def _count_queryset(full: str) -> models.QuerySet:
    matched = Code.objects.filter(pk__in=_matches(full)).order_by()
    return matched.annotate(total=Window(Count("pk"))).values_list("total")[:1]


_COUNT = CompiledQuery(_count_queryset, full="\x00full")


class UnfilteredRanking(unfiltered.UnfilteredRanking):
    def count_query(self) -> unfiltered.Run:
        return _COUNT, {"full": fts5_query(self.parsed)}

    def page_query(self, rows: tuple[int, int]) -> unfiltered.Run:
        terms = self.parsed.terms
        shape = _Shape(weights=tuple(term_weight(t) for t in terms), **self.shape(rows))
        strings = {f"term_{n}": fts5_term(t) for n, t in enumerate(terms)}
        strings |= {f"literal_{n}": fts5_literal(t) for n, t in enumerate(self.expanded)}
        return _compiled_page(shape), {"full": fts5_query(self.parsed), **strings}
