"""PostgreSQL: a stored, GIN-indexed `tsvector` column (migrations 0004 and 0008; code
A, short description B, long description C), matched with `to_tsquery` lexemes, scored
with `ts_rank`, each term's inverse document frequency and pg_trgm similarity."""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import RawSQL

from codes.search.query import ParsedQuery, Term
from codes.search.scoring import (
    AGE_REFERENCE_YEAR,
    AGE_WEIGHT,
    LITERAL_WEIGHT,
    SCORE_STEP,
    penalties,
    term_weight,
)

# PostgreSQL keeps each code's weighted tsvector in a generated column (migration 0004):
# ranking reads it instead of rebuilding the vector for every matching row.
PG_VECTOR_COLUMN = "search_vector"
# ts_rank weights for D, C, B, A: long description C, short description B, code A; the
# same proportions as the bm25 column weights on SQLite.
PG_RANK_WEIGHTS = "{0.1, 0.1, 0.4, 1.0}"
# Divide the rank by the document length, as bm25 does.
PG_RANK_NORMALIZATION = 2
PG_SIMILARITY_WEIGHT = 5
PG_IDF_WEIGHT = 2


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


def ranked(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    table = queryset.model._meta.db_table
    vector = f"{table}.{PG_VECTOR_COLUMN}"
    full = " | ".join(tsquery_term(t) for t in parsed.terms)
    # ts_rank knows nothing of how rare a word is; bm25 does. A matched term is worth
    # TERM_WEIGHT plus its inverse document frequency from the vocabulary, and each term
    # is one GIN index lookup, hashed once, not a test per row.
    matches = (
        f"({table}.id IN (SELECT s.id FROM {table} s "
        f"WHERE s.{PG_VECTOR_COLUMN} @@ to_tsquery('english', %s)))::int * %s"
    )
    matched_terms = " + ".join(matches for _ in parsed.terms)
    expanded = [t for t in parsed.terms if t.expansion is not None]
    literal = "".join(f" + {matches}" for _ in expanded)
    rank = (
        f"({matched_terms}){literal} "
        f"+ {SCORE_STEP} * round((100 * ts_rank('{PG_RANK_WEIGHTS}', {vector}, "
        f"to_tsquery('english', %s), {PG_RANK_NORMALIZATION}) "
        f"+ {PG_SIMILARITY_WEIGHT} * similarity({table}.short_description, %s))::numeric "
        f"/ {SCORE_STEP}) "
        f"- {penalties(table, parsed, 'postgresql')} + {AGE_WEIGHT} * "
        f"({AGE_REFERENCE_YEAR} - coalesce(extract(year from {table}.date_added), "
        f"{AGE_REFERENCE_YEAR})) / 10.0"
    )
    params = [
        *(
            p
            for t in parsed.terms
            for p in (tsquery_term(t), term_weight(t) + PG_IDF_WEIGHT * t.rarity)
        ),
        *(p for t in expanded for p in (tsquery_literal(t), LITERAL_WEIGHT)),
        full,
        parsed.corrected_text,
    ]
    return (
        queryset.extra(where=[f"{vector} @@ to_tsquery('english', %s)"], params=[full])
        .annotate(rank=RawSQL(rank, params, output_field=models.FloatField()))
        .order_by("-rank", "code")
    )


def matching(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
    vector = f"{queryset.model._meta.db_table}.{PG_VECTOR_COLUMN}"
    full = " | ".join(tsquery_term(t) for t in parsed.terms)
    return queryset.extra(where=[f"{vector} @@ to_tsquery('english', %s)"], params=[full])
