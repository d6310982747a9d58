"""How a query is read, the same for both engines: words, terms, corrections,
expansions (see the package docstring), and how matched words are highlighted."""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from functools import cached_property

from django.utils.safestring import SafeString, mark_safe

from codes.expansion import Expansion, thesaurus_words
from codes.search.vocabulary import MIN_PREFIX, WORD, Vocabulary

MAX_WORDS = 8
MAX_WORD_LENGTH = 40
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
    alternatives: tuple[str, ...] = (word,)
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
