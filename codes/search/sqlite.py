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

from django.db import models
from django.db.models import F, FloatField, IntegerField, Value
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Cast, Coalesce, Round, Substr

from codes.models import CodeSearchEntry
from codes.search.query import MIN_PREFIX, ParsedQuery, Term
from codes.search.scoring import (
    AGE_REFERENCE_YEAR,
    AGE_WEIGHT,
    BM25_WEIGHTS,
    LITERAL_WEIGHT,
    SCORE_STEP,
    penalties,
    term_weight,
)

FTS_TABLE = CodeSearchEntry._meta.db_table


class BM25(models.Func):
    """FTS5's bm25 score of the row (lower is better), its columns weighted."""

    function = "bm25"
    output_field = FloatField()

    def __init__(self, index: Expression, weights: tuple[float, ...]) -> None:
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


class _Matched(models.Func):
    """1 for a code an FTS5 MATCH string finds, else 0, from one scan listing the
    matches. `Case(When(pk__in=…))` says the same through the ORM, but building that for
    each term costs ten times the SQL it saves (a millisecond a query), so this one
    expression writes its subquery."""

    template = f"(%(expressions)s IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %%s))"
    output_field = IntegerField()

    def __init__(self, fts5: str) -> None:
        super().__init__(F("pk"))
        self.fts5 = fts5

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql, (*params, self.fts5)


def _worth(fts5: str, weight: int) -> Expression:
    return Value(weight) * _Matched(fts5)


def ranked(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    table = queryset.model._meta.db_table
    terms = [_worth(fts5_term(t), term_weight(t)) for t in parsed.terms]
    literals = [_worth(fts5_literal(t), LITERAL_WEIGHT) for t in parsed.terms if t.expansion]
    rank: Expression = terms[0]
    for worth in [*terms[1:], *literals]:
        rank = rank + worth
    step = Value(SCORE_STEP)
    score = BM25(F("search_entries__index"), BM25_WEIGHTS)
    added = Cast(Substr("date_added", 1, 4), IntegerField())
    rank = (
        rank
        + step * Round(-score / step)
        - RawSQL(penalties(table, parsed, "sqlite"), [], output_field=FloatField())
        + Value(AGE_WEIGHT)
        * (Value(AGE_REFERENCE_YEAR) - Coalesce(added, Value(AGE_REFERENCE_YEAR)))
        / Value(10.0)
    )
    return (
        queryset.filter(search_entries__index__match=fts5_query(parsed))
        .annotate(rank=models.ExpressionWrapper(rank, output_field=FloatField()))
        .order_by("-rank", "code")
    )
