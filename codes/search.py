"""Full-text search over codes: one interface, two engines.

`search(queryset, text)` is the only entry point; `CodeQuerySet.search()` calls it. It
returns an ordinary, chainable queryset annotated with `rank` (higher is better, on
every database) and ordered best first, so browse filters, pagination and exports
chain onto it unchanged.

How a query is read (`parse_query`), the same for both engines:

* Only letters and digits reach an engine. Every word becomes a quoted term (FTS5) or a
  bare lexeme (PostgreSQL `to_tsquery`), so quotes, `*`, `NEAR`, `AND`/`OR`, brackets,
  `-`, NUL bytes and emoji are plain separators, never syntax. Long input is cut to its
  first few words, and words like "of" are dropped.
* Each word is a *term* with alternatives: the word (a whole word of the data also as a
  prefix, a word the data only begins, like "e060" or "insul", as a prefix alone) and,
  for a word the data never uses, its closest words (`Vocabulary`: "wheelchiar" ->
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

import dataclasses
import html
import logging
import math
import re
import threading
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from django.db import DatabaseError, connection, connections, models
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz.distance import OSA

from codes.expansion import Expansion, Expansions, thesaurus_words

logger = logging.getLogger(__name__)

FTS_TABLE = "codes_code_fts"
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
# Shorter words match only whole: a one- or two-letter prefix matches thousands of words.
MIN_PREFIX = 3
# Words shorter than this are too short to tell a typo from another word.
MIN_CORRECTED = 4
# Words up to this long are corrected by one edit at most.
SHORT_WORD = 7
# bm25 column weights: code, short description, long description.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
# A matched term outweighs any relevance score (bm25 stays far below this).
TERM_WEIGHT = 1000
# Scores this close are a tie, left to code order: the lower code of a family is usually
# the general item ("E0163 commode chair") and the next ones its variants.
SCORE_STEP = 0.5
# Long-established codes are the everyday ones; newer codes of the same words are
# usually narrower variants. A tenth of a point per year the code was added before
# AGE_REFERENCE_YEAR (any year after the newest code works: only differences count).
AGE_WEIGHT = 1.0
AGE_REFERENCE_YEAR = 2030
# Active codes come before terminated ones whatever the words they match: a terminated
# code can no longer be billed (it stays findable, after them).
TERMINATED_PENALTY = 2 * TERM_WEIGHT * (MAX_WORDS + 1)
# A code with the words the user typed ranks above one only a drug name or lay term
# finds (less than a whole matched term).
LITERAL_WEIGHT = 100
DRUG_TERM_WEIGHT = 2 * TERM_WEIGHT
BIOSIMILAR_PENALTY = 50
UNSPECIFIED_PENALTY = 5

MAX_STOP_WORDS = 2
STOP_WORDS = frozenset(
    ["a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"]
)

# Words that say what is wanted rather than what it is: "j code for humira".
NOISE_WORDS = frozenset(["code", "codes", "hcpcs"])


def words_of(text: str) -> list[str]:
    """The words of a query, lowercased; punctuation, operators and symbols are dropped."""
    text = (text or "")[: MAX_WORDS * (MAX_WORD_LENGTH + 1) * 4]
    return [w.lower()[:MAX_WORD_LENGTH] for w in WORD.findall(text)][:MAX_WORDS]


@dataclass(frozen=True)
class Term:
    """One query word (or a phrase a thesaurus or drug source knows) and what is searched
    for it."""

    word: str
    alternatives: tuple[str, ...]
    corrections: tuple[str, ...] = ()
    # The word is no whole word of the data, only the start of some ("e060", "insul").
    prefix: bool = False
    # Inverse document frequency of the term (0 when no vocabulary was needed to read it).
    rarity: float = 0.0
    # No code uses the word, nor any word close to it.
    missing: bool = False
    # The drug name or lay term this word is, and what else it is searched as.
    expansion: Expansion | None = None

    @property
    def words(self) -> set[str]:
        return {w for alternative in self.alternatives for w in alternative.split()}

    @property
    def literal(self) -> str:
        """What the user typed, as searched (the correction when the word is a typo)."""
        return self.alternatives[0]


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def corrected(self) -> bool:
        return any(t.corrections for t in self.terms)

    @property
    def unknown_words(self) -> list[str]:
        return [t.word for t in self.terms if t.corrections]

    @property
    def missing_words(self) -> list[str]:
        return [t.word for t in self.terms if t.missing]

    @property
    def expansions(self) -> list[Expansion]:
        """The drug names and lay terms of the query, for "also searched as" lines."""
        return [t.expansion for t in self.terms if t.expansion is not None]

    @property
    def corrected_text(self) -> str:
        """The query as searched, with each unknown word replaced by its best correction."""
        return " ".join(t.corrections[0] if t.corrections else t.word for t in self.terms)

    @property
    def highlight_words(self) -> set[str]:
        return {w for t in self.terms for w in t.words}

    @cached_property
    def highlight_pattern(self) -> re.Pattern | None:
        """Words starting with a query word's stem; short words only whole."""
        return _word_pattern(self.highlight_words)

    def matched_by(self, text: str) -> bool:
        """Whether `text` (a result's code and descriptions) has something of every term
        that any code has: a result without it is a weak answer."""
        for term in self.terms:
            pattern = None if term.missing else _word_pattern(term.words)
            if pattern is not None and not pattern.search(text):
                return False
        return True


def _word_pattern(words: set[str]) -> re.Pattern | None:
    stems = sorted({_stem(w) for w in words}, key=len, reverse=True)
    if not stems:
        return None
    alternatives = [
        re.escape(s) + (r"[^\W_]*" if len(s) >= MIN_PREFIX else r"(?![^\W_])") for s in stems
    ]
    return re.compile(r"(?<![^\W_])(" + "|".join(alternatives) + ")", re.IGNORECASE)


def query_words(text: str) -> list[str]:
    """The words of a query that say what is wanted: duplicates, words like "of" (unless
    they are all there is) and "code" with a letter before it ("j code") are dropped."""
    words = list(dict.fromkeys(words_of(text)))
    kept = []
    for n, word in enumerate(words):
        following = words[n + 1] if n + 1 < len(words) else ""
        if word in NOISE_WORDS or (len(word) == 1 and following in NOISE_WORDS):
            continue
        kept.append(word)
    words = kept or words
    # A query of nothing but words like "the" keeps a couple: each matches most codes.
    return [w for w in words if w not in STOP_WORDS] or words[:MAX_STOP_WORDS]


def parse_query(text: str | ParsedQuery, using: str | None = None) -> ParsedQuery:
    if isinstance(text, ParsedQuery):
        return text
    words = query_words(text)
    if all(_is_code_like(w) for w in words):
        # Codes and numbers ("e07", "0601") need no vocabulary, nor its query.
        return ParsedQuery(text=" ".join(words), terms=tuple(_code_term(w) for w in words))
    vocabulary = Vocabulary.current(using)
    found = []
    position = 0
    while position < len(words):
        expansion = vocabulary.expansions.longest_at(words, position)
        if expansion is not None:
            term = _expanded_term(expansion)
            position += len(expansion.phrase)
        else:
            term = _word_term(words[position], vocabulary)
            position += 1
        found.append(dataclasses.replace(term, rarity=vocabulary.rarity(term)))
    return ParsedQuery(text=" ".join(words), terms=tuple(found))


def _is_code_like(word: str) -> bool:
    return any(ch.isdigit() for ch in word) and word not in thesaurus_words()


def _code_term(word: str) -> Term:
    return Term(word, (word,), prefix=len(word) >= MIN_PREFIX)


def _expanded_term(expansion: Expansion) -> Term:
    # A known drug name or lay term is never "corrected", and the typed words match whole.
    return Term(expansion.text, (expansion.text, *expansion.targets), expansion=expansion)


def _word_term(word: str, vocabulary: Vocabulary) -> Term:
    corrections: tuple[str, ...] = ()
    prefix = False
    alternatives = (word,)
    if any(ch.isdigit() for ch in word):
        # Codes and numbers are never typos: "e07" is the start of codes.
        return _code_term(word)
    if word not in vocabulary.counts:
        if vocabulary.knows(word):
            prefix = len(word) >= MIN_PREFIX
        else:
            corrections = vocabulary.corrections(word)
            alternatives = corrections or alternatives
            named = vocabulary.misspelt_name(word, corrections)
            if named is not None:
                return dataclasses.replace(
                    _expanded_term(named), word=word, corrections=(named.text,)
                )
    missing = not (corrections or prefix or word in vocabulary.counts)
    return Term(word, alternatives, corrections, prefix, missing=missing)


def search(queryset: models.QuerySet, text: str | ParsedQuery) -> models.QuerySet:
    """Codes matching `text`, annotated `rank` (higher is better) and ordered best first."""
    parsed = parse_query(text, queryset.db)
    if not parsed:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        return _search_postgresql(queryset, parsed)
    return _search_sqlite(queryset, parsed)


def matching(queryset: models.QuerySet, text: str | ParsedQuery) -> models.QuerySet:
    """Codes matching `text`, unranked: for lists in code order, which need no score.

    One set lookup (FTS5's matches, or the GIN index), whatever other filters the list
    has, so a broad word ("the") with a column filter costs milliseconds.
    """
    parsed = parse_query(text, queryset.db)
    if not parsed:
        return queryset.none()
    table = queryset.model._meta.db_table
    if connections[queryset.db].vendor == "postgresql":
        vector = f"{table}.{PG_VECTOR_COLUMN}"
        full = " | ".join(tsquery_term(t) for t in parsed.terms)
        return queryset.extra(where=[f"{vector} @@ to_tsquery('english', %s)"], params=[full])
    return queryset.extra(
        where=[f"{table}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"],
        params=[fts5_query(parsed)],
    )


# SQLite -----------------------------------------------------------------------------------


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


def _search_sqlite(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
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
            f"- {_penalties(table, parsed, connections[queryset.db].vendor)} + {AGE_WEIGHT} * "
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


def _penalties(table: str, parsed: ParsedQuery, vendor: str) -> str:
    """SQL for what makes a code a worse answer than its score says (same on both engines).

    A terminated code can no longer be billed, and a "not otherwise classified/specified"
    code is the last resort once no specific code fits. A brand name CMS does not write
    is the reference product, not one of the biosimilars CMS names by their own brands
    ("Neulasta" is J2506 "pegfilgrastim, excludes biosimilar", not Q5108 "Fulphila").
    """
    # LIKE ignores ASCII case on SQLite; PostgreSQL's ILIKE does there (lower() would
    # copy every matching description first).
    like = "ILIKE" if vendor == "postgresql" else "LIKE"
    description = f"{table}.long_description"
    terminated = f"{table}.termination_date IS NOT NULL"
    penalties = f"(CASE WHEN {terminated} THEN {TERMINATED_PENALTY} ELSE 0 END"
    if not any(_is_drug_name(t) for t in parsed.terms):
        penalties += (
            f" + CASE WHEN {description} {like} '%%not otherwise%%' "
            f"THEN {UNSPECIFIED_PENALTY} ELSE 0 END"
        )
    else:
        # A brand without a code of its own is billed under its generic's "not otherwise
        # specified" code (Kenalog: J3301), so that code is no last resort here.
        penalties += (
            f" + CASE WHEN {description} {like} '%%biosimilar%%' "
            f"AND {description} NOT {like} '%%excludes biosimilar%%' "
            f"AND {description} NOT {like} '%%not biosimilar%%' "
            f"THEN {BIOSIMILAR_PENALTY} ELSE 0 END"
        )
    return penalties + ")"


def _is_drug_name(term: Term) -> bool:
    return term.expansion is not None and term.expansion.source == "drug name"


def term_weight(term: Term) -> int:
    """A drug name says which product; the other words of its query ("infusion") only
    describe it."""
    return DRUG_TERM_WEIGHT if _is_drug_name(term) else TERM_WEIGHT


# PostgreSQL -------------------------------------------------------------------------------

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


def _search_postgresql(queryset: models.QuerySet, parsed: ParsedQuery) -> models.QuerySet:
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
        f"- {_penalties(table, parsed, connections[queryset.db].vendor)} + {AGE_WEIGHT} * "
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


# Vocabulary and typo correction --------------------------------------------------------

_generation = 0


class Vocabulary:
    """Every word of the loaded codes, for telling typos from words and correcting them.

    Built once per process from the codes table and rebuilt when the data changes: a
    cheap signature query (row count, newest ids, data version) notices imports and drug
    loads run by other processes, and `rebuild_index()` bumps a counter for changes made
    in this one.
    """

    _cache: dict[str, tuple[tuple, Vocabulary]] = {}
    _lock = threading.Lock()

    def __init__(self, counts: Counter, documents: int = 0, alias: str = "default"):
        self.alias = alias
        # word -> number of codes using it (document frequency)
        self.counts = counts
        self.documents = documents
        self.sorted = sorted(counts)
        # (trigram, word length) -> words: a typo changes a word's length by an edit or
        # two, so only a few lengths are looked at, not every word sharing "ion".
        self.trigrams: dict[tuple[str, int], list[str]] = {}
        for word in self.sorted:
            if len(word) >= MIN_CORRECTED - 1 and not word.isdigit():
                for gram in _trigrams(word):
                    self.trigrams.setdefault((gram, len(word)), []).append(word)

    @classmethod
    def current(cls, using: str | None = None) -> Vocabulary:
        alias = using or "default"
        conn = connections[alias]
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT COUNT(*) FROM codes_code), (SELECT MAX(id) FROM codes_code), "
                "(SELECT MAX(id) FROM codes_codeversion), "
                # Drug loads change the drug names search knows (CMS's trade names).
                "(SELECT epoch || number FROM codes_dataversion)"
            )
            signature = (_generation, *cursor.fetchone())
        held = cls._cache.get(alias)
        if held and held[0] == signature:
            return held[1]
        with cls._lock:
            vocabulary = cls.load(alias)
            cls._cache[alias] = (signature, vocabulary)
        return vocabulary

    @cached_property
    def expansions(self) -> Expansions:
        """The drug names and lay terms this data can answer (built once per data state)."""
        with self._lock:
            return Expansions.build(self.counts.__contains__, using=self.alias)

    @cached_property
    def names(self) -> Vocabulary:
        """The one-word drug names and lay terms, for correcting a misspelt one."""
        words = Counter(p[0] for p in self.expansions.entries if len(p) == 1)
        return Vocabulary(words, alias=self.alias)

    def misspelt_name(self, word: str, corrections: tuple[str, ...]) -> Expansion | None:
        """The drug name or lay term `word` misspells ("keytrda": Keytruda), when it is at
        least as close as the data's own closest words."""
        named = self.names.corrections(word, limit=1)
        if not named:
            return None
        if corrections:
            limit = allowed_edits(word)
            if edit_distance(word, corrections[0], limit) <= edit_distance(word, named[0], limit):
                return None
        return self.expansions.entries[(named[0],)]

    @classmethod
    def load(cls, alias: str) -> Vocabulary:
        from codes.models import Code

        counts: Counter = Counter()
        documents = 0
        rows = (
            Code.objects.using(alias)
            .order_by()
            .values_list("code", "short_description", "long_description")
        )
        for row in rows.iterator(chunk_size=2000):
            documents += 1
            counts.update({w.lower() for text in row for w in WORD.findall(text or "")})
        return cls(counts, documents, alias)

    def rarity(self, term: Term) -> float:
        """How rare a term's words are among the codes: the inverse document frequency."""
        frequency = 0
        for alternative in term.alternatives:
            if term.prefix and alternative == term.word:
                position = bisect_left(self.sorted, alternative)
                for word in self.sorted[position : position + 500]:
                    if not word.startswith(alternative):
                        break
                    frequency += self.counts[word]
            else:
                frequency += min(self.counts.get(w, 0) for w in alternative.split())
        return math.log((self.documents + 1) / (min(frequency, self.documents) + 1))

    def knows(self, word: str) -> bool:
        """Whether the data has `word`, or (for a long enough word) a word it begins."""
        if word in self.counts or word.isdigit():
            return True
        if len(word) < MIN_PREFIX:
            return False
        position = bisect_left(self.sorted, word)
        return position < len(self.sorted) and self.sorted[position].startswith(word)

    def corrections(self, word: str, limit: int = 3) -> tuple[str, ...]:
        """The closest words of the data (fewest edits, then most common), best first."""
        if len(word) < MIN_CORRECTED or word.isdigit():
            return ()
        allowed = allowed_edits(word)
        shared = self._sharing_trigrams(word, allowed)
        scored = []
        for candidate, _ in shared.most_common(40):
            if abs(len(candidate) - len(word)) > allowed:
                continue
            distance = edit_distance(word, candidate, allowed)
            if distance <= allowed:
                scored.append((distance, -self.counts[candidate], candidate))
        scored.sort()
        best = [c for d, _, c in scored if d == scored[0][0]] if scored else []
        return tuple(best[:limit])

    def _sharing_trigrams(self, word: str, spread: int) -> Counter:
        shared: Counter = Counter()
        grams = _trigrams(word)
        for length in range(max(1, len(word) - spread), len(word) + spread + 1):
            for gram in grams:
                shared.update(self.trigrams.get((gram, length), ()))
        return shared

    def suggestions(self, word: str, limit: int = 5) -> list[str]:
        """Words that look like `word` (or begin it), for a query that found nothing."""
        if len(word) < MIN_PREFIX:
            return []
        allowed = max(3, len(word) // 2)
        shared = self._sharing_trigrams(word, allowed)
        scored = sorted(
            (edit_distance(word, c, allowed), -self.counts[c], c)
            for c, _ in shared.most_common(60)
            if c != word
        )
        return [c for d, _, c in scored if d <= allowed][:limit]


def allowed_edits(word: str) -> int:
    """How many edits a typo of `word` may have: two edits turn a word of seven letters or
    fewer into a different word ("humira" into "humeral")."""
    return 1 if len(word) <= SHORT_WORD else 2


def warm_up(using: str | None = None) -> None:
    """Build the vocabulary and the drug-name and lay-term table now (at server start),
    so no request waits for them; a database that is not migrated yet is left alone."""
    try:
        Vocabulary.current(using).expansions  # noqa: B018
    except DatabaseError as error:
        logger.warning("search vocabulary not built at start-up: %s", error)
    finally:
        connections[using or "default"].close()


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), capped at `limit + 1`."""
    return OSA.distance(a, b, score_cutoff=limit)


# Highlighting ----------------------------------------------------------------------------

_SUFFIX = re.compile(r"(?:ies|es|s|ing|ed|ion|ions|er|ers)$")


def _stem(word: str) -> str:
    stem = _SUFFIX.sub("", word)
    return stem if len(stem) >= MIN_PREFIX else word


def highlight(text: str, parsed: ParsedQuery) -> SafeString:
    """`text` escaped, with the words the query matched wrapped in <mark>."""
    text = text or ""
    pattern = parsed.highlight_pattern
    if pattern is None:
        return mark_safe(html.escape(text))
    pieces = pattern.split(text)
    # split() with one capturing group alternates unmatched and matched pieces.
    return mark_safe(
        "".join(
            f"<mark>{html.escape(piece)}</mark>" if n % 2 else html.escape(piece)
            for n, piece in enumerate(pieces)
        )
    )


# Index maintenance -----------------------------------------------------------------------


def rebuild_index(using=None) -> None:
    """Bring the search index up to date with the codes table after a change.

    SQLite refills its FTS5 table. PostgreSQL indexes rows as they are written, but its
    GIN indexes (search vector, trigrams) first take new entries into an unsorted pending
    list that only a vacuum merges: until then every search reads the whole list (about
    1.5 ms a word) and the planner, seeing it, scans the table instead. So they are merged
    here.
    """
    global _generation
    _generation += 1
    conn = connection if using is None else using
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")
        elif conn.vendor == "postgresql":
            cursor.execute(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE i.indrelid = 'codes_code'::regclass AND a.amname = 'gin'"
            )
