"""Full-text search over codes: one interface, two engines.

This module is the interface; nothing outside the package knows the engine.

* `results(text, queryset, page=...)` answers the search page in one call: the page of
  rows (each with its highlighted descriptions), the parsed query (its corrections and
  its "also searched as" expansions) and, when nothing matched, words to try instead.
* `search(queryset, text)` (`CodeQuerySet.search()`) returns an ordinary, chainable
  queryset annotated with `rank` (higher is better, on every database) and ordered best
  first, so browse filters, pagination and exports chain onto it unchanged;
  `matching(queryset, text)` (`CodeQuerySet.matching()`) the same codes unranked.
* `MAX_QUERY_LENGTH` is the one cap on search text, for the page and the suggestions.

The package: `query.py` reads a query and highlights, `vocabulary.py` knows the data's
words (typo correction), `scoring.py` is the rank both engines compute, `sqlite.py` and
`postgresql.py` are the engines. Drug names and lay terms come from `codes/expansion.py`.

How a query is read (`parse_query`), the same for both engines:

* Only letters and digits reach an engine. Every word becomes a quoted term (FTS5) or a
  bare lexeme (PostgreSQL `to_tsquery`), so quotes, `*`, `NEAR`, `AND`/`OR`, brackets,
  `-`, NUL bytes and emoji are plain separators, never syntax. Long input is cut to its
  first few words, and words like "of" are dropped.
* Each word is a *term* with alternatives: the word (a whole word of the data also as a
  prefix, a word the data only begins, like "e060" or "insul", as a prefix alone) and,
  for a word the data never uses, its closest words (`vocabulary.py`: "wheelchiar" ->
  wheelchair; one edit at most for words of up to seven letters). A drug name or lay
  term that `codes/expansion.py` knows (a phrase of up to three words: "keytruda",
  "wound vac") is one term instead, matched whole and as the CMS words it stands for,
  and never corrected.
* Terms are OR-ed. A code's rank is first the number of terms it matches (a drug name
  counts twice: it names the product, the other words only describe it), then whether
  it has the words the user typed rather than only their expansion, then the engine's
  relevance score, less penalties (every terminated code ranks after every active one;
  "not otherwise classified" codes and, under a brand name, biosimilars a little), plus
  a little for long-established codes. Every word counts, but one word the data spells
  differently ("depo medroxyprogesterone") does not hide the code that matches the rest.

The engines:

* SQLite: an external-content FTS5 table, `codes_code_fts` (migration 0002), over code,
  short and long description (porter stemming), joined to the codes and scored with
  bm25 weighting the code and the short description above the long description. The
  importer rebuilds it after every change (`rebuild_index`), since the data changes
  only through the importer.
* PostgreSQL: a stored, GIN-indexed `tsvector` column (migration 0004; code A, short
  description B, long description C), matched with `to_tsquery` lexemes, scored with
  `ts_rank`, each term's inverse document frequency (which bm25 has and ts_rank lacks),
  and pg_trgm similarity between the query and the short description.

bench/search_relevance.py measures relevance and speed of both on a real release.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import DatabaseError, connection, connections, models

from codes.search import postgresql, sqlite
from codes.search.query import (
    MAX_WORDS,
    ParsedQuery,
    Term,
    highlight,
    parse_query,
    query_words,
)
from codes.search.sqlite import FTS_TABLE
from codes.search.unfiltered import UnfilteredRanking
from codes.search.vocabulary import Vocabulary, allowed_edits, data_changed, edit_distance

__all__ = [
    "FTS_TABLE",
    "MAX_QUERY_LENGTH",
    "MAX_WORDS",
    "ParsedQuery",
    "SearchResults",
    "Term",
    "Vocabulary",
    "allowed_edits",
    "edit_distance",
    "highlight",
    "matching",
    "parse_query",
    "query_words",
    "rebuild_index",
    "results",
    "search",
    "warm_up",
]

logger = logging.getLogger(__name__)

# Search text longer than this is cut: no code description needs more to be found.
MAX_QUERY_LENGTH = 200
# Words offered for a search that found nothing.
SUGGESTED_WORDS = 8


def _engine(queryset: models.QuerySet):
    return postgresql if connections[queryset.db].vendor == "postgresql" else sqlite


def search(queryset: models.QuerySet, text: str | ParsedQuery) -> models.QuerySet:
    """Codes matching `text`, annotated `rank` (higher is better) and ordered best first."""
    parsed = parse_query(text, queryset.db)
    if not parsed:
        return queryset.none()
    return _engine(queryset).ranked(queryset, parsed)


def matching(queryset: models.QuerySet, text: str | ParsedQuery) -> models.QuerySet:
    """Codes matching `text`, unranked: for lists in code order, which need no score.

    One set lookup (FTS5's matches, or the GIN index), whatever other filters the list
    has, so a broad word ("the") with a column filter costs milliseconds.
    """
    parsed = parse_query(text, queryset.db)
    if not parsed:
        return queryset.none()
    return _engine(queryset).matching(queryset, parsed)


@dataclass
class SearchResults:
    """What the search page shows for a text: rows carry `short_html` and `long_html`."""

    parsed: ParsedQuery
    page: Page
    # The page number asked for is past the last page.
    out_of_range: bool = False
    # Words of the data close to the query's, when nothing matched.
    suggested_words: list[str] = field(default_factory=list)

    @property
    def expansions(self):
        return self.parsed.expansions


class _RankedPaginator(Paginator):
    """Pages of ranked codes, counted without their rank: the same codes, unscored, are
    counted by one index lookup, and Django need not build the rank to drop it."""

    def __init__(self, ranked: models.QuerySet, unranked: models.QuerySet, per_page: int):
        super().__init__(ranked, per_page)
        self.unranked = unranked

    @cached_property
    def count(self) -> int:
        return self.unranked.count()


def _asked_rows(page: str | None, per_page: int) -> tuple[int, int]:
    """The rows of the page number asked for (the first page's for a bad number)."""
    asked = (page or "").strip()
    # Beyond every search's last page (a release has about 9,000 codes), and within
    # what an OFFSET can be.
    plausible = asked.isdigit() and 0 < int(asked) <= 10_000
    number = int(asked) if plausible else 1
    return (number - 1) * per_page, number * per_page


def _paginator(
    queryset: models.QuerySet,
    parsed: ParsedQuery,
    fields: tuple[str, ...],
    per_page: int,
    page: str | None = None,
) -> Paginator:
    unfiltered = not queryset.query.has_filters() and not queryset.query.annotations
    if parsed and unfiltered and fields:
        # Every code, as most searches ask: its SQL is built once per query shape.
        ranking: UnfilteredRanking = _engine(queryset).UnfilteredRanking(
            parsed, fields, queryset.db, _asked_rows(page, per_page)
        )
        # Paginator takes any sliceable object with a count() (its documentation says
        # so); the stubs ask for a whole sequence.
        return Paginator(ranking, per_page)  # type: ignore[arg-type]
    ranked = search(queryset, parsed)
    shown = ranked.only(*fields) if fields else ranked
    return _RankedPaginator(shown, matching(queryset, parsed), per_page)


def results(
    text: str,
    queryset: models.QuerySet,
    *,
    page: str | None = None,
    per_page: int = 25,
    fields: tuple[str, ...] = (),
) -> SearchResults:
    """One page of the codes of `queryset` matching `text`, best first, highlighted.

    `page` is the number as asked (a bad one gives the first page, one past the end
    sets `out_of_range`); `fields` limits the columns read.
    """
    parsed = parse_query(text[:MAX_QUERY_LENGTH], queryset.db)
    found = _paginator(queryset, parsed, fields, per_page, page).get_page(page)
    asked = (page or "").strip()
    out_of_range = asked.isdigit() and int(asked) > found.number and found.paginator.count > 0
    answer = SearchResults(parsed, found, out_of_range=out_of_range)
    if out_of_range:
        return answer
    if parsed:
        for code in found.object_list:
            code.short_html = highlight(code.short_description, parsed)
            code.long_html = highlight(code.long_description, parsed)
    if not found.paginator.count:
        answer.suggested_words = suggested_words(parsed, queryset.db)
    return answer


def suggested_words(parsed: ParsedQuery, using: str | None = None) -> list[str]:
    """Close words of the data for each word of a query that found nothing."""
    words: list[str] = []
    if parsed:
        vocabulary = Vocabulary.current(using)
        for term in parsed.terms:
            words += [w for w in vocabulary.suggestions(term.word) if w not in words]
    return words[:SUGGESTED_WORDS]


def warm_up(using: str | None = None) -> None:
    """Build the vocabulary and the drug-name and lay-term table now (at server start),
    so no request waits for them; a database that is not migrated yet is left alone."""
    try:
        Vocabulary.current(using).expansions  # noqa: B018
    except DatabaseError as error:
        logger.warning("search vocabulary not built at start-up: %s", error)
    finally:
        connections[using or "default"].close()


def rebuild_index(using=None) -> None:
    """Bring the search index up to date with the codes table after a change.

    SQLite refills its FTS5 table. PostgreSQL indexes rows as they are written, but its
    GIN indexes (search vector, trigrams) first take new entries into an unsorted pending
    list that only a vacuum merges: until then every search reads the whole list (about
    1.5 ms a word) and the planner, seeing it, scans the table instead. So they are merged
    here.
    """
    from codes.models import Code

    data_changed()
    conn = connection if using is None else using
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")
        elif conn.vendor == "postgresql":
            cursor.execute(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
                [Code._meta.db_table],
            )
