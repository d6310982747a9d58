"""SQLite: an external-content FTS5 table, `codes_code_fts` (migration 0002), over
code, short and long description (porter stemming), scored with bm25.

The FTS5 table is no model (Django cannot create a virtual table, and SQLite alone has
one), so its SQL is written here: the match as a `pk__in` subquery, and the ranked query
as a join made with `.extra()`, the one way the ORM joins a table it has no model for.
A join, not a correlated subquery per row: FTS5 then scores each match once, in one
scan (see `ranked`).
"""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import RawSQL

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

FTS_TABLE = "codes_code_fts"


def matching(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    matches = RawSQL(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts5_query(parsed)]
    )
    return queryset.filter(pk__in=matches)


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


def ranked(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    table = queryset.model._meta.db_table
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    matches = f"{table}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
    matched_terms = " + ".join(f"{term_weight(t)} * ({matches})" for t in parsed.terms)
    expanded = [t for t in parsed.terms if t.expansion is not None]
    literal = "".join(f" + {LITERAL_WEIGHT} * ({matches})" for _ in expanded)
    # A join, not a correlated subquery: FTS5 then scores each match once, in one scan,
    # instead of re-running the query (and its prefix expansions) for every row. The "+"
    # on the FTS rowid keeps it from being an index constraint, so the planner can never
    # loop over codes_code (by a column filter's index) and query FTS5 once per row,
    # which costs a second on a broad word with a coverage filter.
    return queryset.extra(
        select={
            "rank": f"({matched_terms}){literal} "
            f"+ {SCORE_STEP} * round(-bm25({FTS_TABLE}, {weights}) / {SCORE_STEP}) "
            f"- {penalties(table, parsed, 'sqlite')} + {AGE_WEIGHT} * "
            f"({AGE_REFERENCE_YEAR} - coalesce(CAST(substr({table}.date_added, 1, 4) AS INTEGER), "
            f"{AGE_REFERENCE_YEAR})) / 10.0"
        },
        select_params=[
            *(fts5_term(t) for t in parsed.terms),
            *(fts5_literal(t) for t in expanded),
        ],
        tables=[FTS_TABLE],
        where=[f"+{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"],
        params=[fts5_query(parsed)],
    ).order_by("-rank", "code")
