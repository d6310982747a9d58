"""Every word of the loaded codes, for telling typos from words and correcting them."""

from __future__ import annotations

import heapq
import math
import re
import threading
from bisect import bisect_left
from collections import Counter
from functools import cached_property
from typing import TYPE_CHECKING

from django.db import connections
from rapidfuzz.distance import OSA

from codes.expansion import Expansion, Expansions

if TYPE_CHECKING:
    from codes.search.query import Term

WORD = re.compile(r"[^\W_]+")
# Shorter words match only whole: a one- or two-letter prefix matches thousands of words.
MIN_PREFIX = 3
# Words shorter than this are too short to tell a typo from another word.
MIN_CORRECTED = 4
# Words up to this long are corrected by one edit at most.
SHORT_WORD = 7

_generation = 0


class Vocabulary:
    """Every word of the loaded codes, for telling typos from words and correcting them.

    Built once per process from the codes table and rebuilt when the data changes: a
    cheap signature query (newest ids, data version) notices imports, removals and drug
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
            cursor.execute(_signature_sql())
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
        for candidate, _ in _most_shared(shared, 40):
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
            for c, _ in _most_shared(shared, 60)
            if c != word
        )
        return [c for d, _, c in scored if d <= allowed][:limit]


def _most_shared(shared: Counter, count: int) -> list[tuple[str, int]]:
    """The `count` words sharing the most trigrams, ties in alphabetical order: with
    Counter.most_common the ties at the cut follow set order, which changes from one
    process to the next (string hashing), and so would a correction or a suggestion."""
    return heapq.nsmallest(count, shared.items(), key=lambda item: (-item[1], item[0]))


def allowed_edits(word: str) -> int:
    """How many edits a typo of `word` may have: two edits turn a word of seven letters or
    fewer into a different word ("humira" into "humeral")."""
    return 1 if len(word) <= SHORT_WORD else 2


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), capped at `limit + 1`."""
    return OSA.distance(a, b, score_cutoff=limit)


def _signature_sql() -> str:
    from codes.models import Code, CodeVersion, DataVersion

    # Every import, removal and drug load moves the data version forward (codes.dataversion);
    # the newest ids also catch rows written without it. No row count: PostgreSQL counts
    # by reading the whole codes table (wide rows, thousands of pages), 1 to 2.5 ms a
    # search, where these read a page or two of an index each.
    return (
        f"SELECT (SELECT MAX(id) FROM {Code._meta.db_table}), "
        f"(SELECT MAX(id) FROM {CodeVersion._meta.db_table}), "
        f"(SELECT epoch || number FROM {DataVersion._meta.db_table})"
    )


def data_changed() -> None:
    """Note a change to the codes made in this process: the next query rebuilds."""
    global _generation
    _generation += 1
