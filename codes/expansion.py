"""Coders' words to CMS's words: drug names and a thesaurus of lay terms and jargon.

CMS describes a drug by its generic name ("Injection, pembrolizumab, 1 mg") and an item
by its catalogue wording ("Lumbar orthosis …", "Ostomy pouch …"); coders are handed brand
names and everyday words. Search (`codes/search/`) reads a query through `Expansions`:
a word or phrase found here is searched as itself *and* as the CMS words it stands for,
and the results page says so ("keytruda: also searched as pembrolizumab").

Two kinds of source, both kept to what the loaded data can use (a target whose words no
code description has would find nothing, so it is dropped when the table is built):

* Drug names: `DRUG_NAME_SOURCES`, an ordered list of providers, each returning
  {brand or other name: generic names or HCPCS codes}. The first provider that maps a
  name wins. A provider is any object with a `label` and a `names(using)` method, so a
  new one (CMS's NDC–HCPCS crosswalk, whose trade names are the first authority) is one
  line in that list. The `[drugs]` table of the thesaurus file lets a maintainer add a
  product that the other sources lack.
* Lay terms: the `[terms]` table of `codes/data/thesaurus.toml` (brace → orthosis,
  "ostomy bag" → ostomy pouch, cpap → continuous positive airway pressure …); those
  its `[items]` table lists name one kind of item, which search ranks before the
  codes that only mention it (its parts and accessories).

`Expansions.build` runs once per data state (the search vocabulary caches it with
itself), never per request, and keeps only the names whose targets the descriptions use.
"""

from __future__ import annotations

import bz2
import functools
import importlib.util
import pickle
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from codes.code_shapes import CODE_IN_TEXT
from codes.payments import drugs

THESAURUS_PATH = Path(__file__).resolve().parent / "data" / "thesaurus.toml"
# Longest phrase a source may map ("adult diapers", "wound vac", "depo provera").
MAX_PHRASE_WORDS = 3
# Shorter dictionary names are mostly abbreviations that clash with ordinary words
# ("aim", "ddi"); the thesaurus names the few that matter.
MIN_DICTIONARY_NAME = 4
DICTIONARY_PACKAGE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
_WORD = re.compile(r"[^\W_]+")


def phrase_words(text: str) -> tuple[str, ...]:
    """The words of a name or target, lowercased, as search reads a query."""
    return tuple(w.lower() for w in _WORD.findall(text or ""))


class NameSource(Protocol):
    """A provider of drug names: {name as people say it: generic names or HCPCS codes}."""

    label: str

    def names(self, using: str, known: Callable[[str], bool]) -> Mapping[str, Iterable[str]]:
        """Names and their targets; `known(word)` says whether the loaded descriptions
        use a word, for a large source to skip names the data cannot answer."""


def read_thesaurus(path: Path = THESAURUS_PATH) -> dict:
    with path.open("rb") as file:
        return tomllib.load(file)


@functools.cache
def thesaurus_words() -> frozenset[str]:
    """Every word of the thesaurus file's names, read once per process: search asks the
    vocabulary (a query) only for text that has words beyond codes and numbers."""
    thesaurus = read_thesaurus()
    names = [*thesaurus.get("terms", {}), *thesaurus.get("drugs", {})]
    return frozenset(w for name in names for w in phrase_words(name))


class ThesaurusDrugNames:
    """Products a maintainer added to the `[drugs]` table of the thesaurus file."""

    label = "drug name"
    # Chosen by hand: applies even to a name the descriptions use.
    curated = True

    def __init__(self, path: Path = THESAURUS_PATH):
        self.path = path

    def names(self, using: str, known: Callable[[str], bool]) -> Mapping[str, Iterable[str]]:
        return read_thesaurus(self.path).get("drugs", {})


class DrugDictionary:
    """The drug-named-entity-recognition package's dictionary (about 107,000 drug name
    variants, brand names among them, each mapped to a canonical generic name)."""

    label = "drug name"

    def names(self, using: str, known: Callable[[str], bool]) -> Mapping[str, Iterable[str]]:
        return {
            variant: [" ".join(generic)]
            for generic, variants in dictionary_by_generic().items()
            if all(known(w) for w in generic)
            for variant in variants
        }


@functools.cache
def dictionary_by_generic() -> dict[tuple[str, ...], tuple[str, ...]]:
    """The dictionary's names grouped by the words of their generic name, read once per
    process (about 13 MB) so that each data state filters it in milliseconds.

    Its data file is read directly: importing the package builds an n-gram index of
    every name and reads a cache in the home directory, neither of which is needed here.
    """
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / DICTIONARY_FILE
    # A pickle from a pinned, installed package, not from users.
    with bz2.open(path, "rb") as file:
        data = pickle.load(file)
    grouped: dict[tuple[str, ...], list[str]] = {}
    for variant, generics in data["drug_variant_to_canonical"].items():
        if len(variant) < MIN_DICTIONARY_NAME or variant in generics:
            continue
        for generic in generics:
            grouped.setdefault(phrase_words(generic), []).append(variant)
    return {generic: tuple(variants) for generic, variants in grouped.items() if generic}


class CrosswalkTradeNames:
    """CMS's own trade names: the "Drug Name" of every NDC package in the newest loaded
    ASP NDC–HCPCS crosswalk, mapped to the codes it is billed under (Keytruda → J9271)."""

    label = "drug name"

    def names(self, using: str, known: Callable[[str], bool]) -> Mapping[str, Iterable[str]]:
        return {name: sorted(codes) for name, codes in drugs.trade_names(using).items()}


# In order of authority: the first source that maps a name wins.
DRUG_NAME_SOURCES: list[NameSource] = [
    CrosswalkTradeNames(),
    ThesaurusDrugNames(),
    DrugDictionary(),
]


@dataclass(frozen=True)
class Expansion:
    """A word or phrase of a query and the CMS words (or codes) also searched for it."""

    phrase: tuple[str, ...]
    targets: tuple[str, ...]
    source: str
    # A lay term for one kind of item that CMS names first in its descriptions (the
    # thesaurus's [items]): search ranks the item before what only mentions it.
    names_item: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.phrase)

    @property
    def shown_targets(self) -> list[str]:
        """Targets as the results page names them: codes in capitals."""
        return [t.upper() if CODE_IN_TEXT.fullmatch(t) else t for t in self.targets]


class Expansions:
    """Every name and lay term the loaded data can answer, keyed by its words."""

    def __init__(self, entries: dict[tuple[str, ...], Expansion]):
        self.entries = entries
        self.words = {w for phrase in entries for w in phrase}

    def __contains__(self, word: str) -> bool:
        return (word,) in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def longest_at(self, words: list[str], start: int) -> Expansion | None:
        """The longest phrase starting at words[start] that has an expansion."""
        for length in range(min(MAX_PHRASE_WORDS, len(words) - start), 0, -1):
            found = self.entries.get(tuple(words[start : start + length]))
            if found is not None:
                return found
        return None

    @classmethod
    def build(
        cls,
        known: Callable[[str], bool],
        drug_sources: Iterable[NameSource] | None = None,
        thesaurus: dict | None = None,
        using: str = "default",
    ) -> Expansions:
        """Lay terms first (a maintainer's word beats a dictionary's), then drug names in
        source order; `known(word)` says whether the loaded descriptions use a word."""
        usable: dict[str, tuple[str, ...] | None] = {}

        def target_of(text: str) -> tuple[str, ...] | None:
            if text not in usable:
                words = phrase_words(text)
                usable[text] = words if words and all(known(w) for w in words) else None
            return usable[text]

        entries: dict[tuple[str, ...], Expansion] = {}

        def add(name: str, targets: Iterable[str], source: str, names_item: bool = False) -> None:
            phrase = phrase_words(name)
            if not phrase or len(phrase) > MAX_PHRASE_WORDS or phrase in entries:
                return
            found = [t for t in (target_of(t) for t in targets) if t and t != phrase]
            if found:
                searched = tuple(dict.fromkeys(" ".join(t) for t in found))
                entries[phrase] = Expansion(phrase, searched, source, names_item)

        thesaurus = read_thesaurus() if thesaurus is None else thesaurus
        items = {phrase_words(name) for name in thesaurus.get("items", {}).get("terms", [])}
        for name, targets in thesaurus.get("terms", {}).items():
            add(name, _as_list(targets), "thesaurus", phrase_words(name) in items)
        sources = DRUG_NAME_SOURCES if drug_sources is None else drug_sources
        for source in sources:
            for name, targets in source.names(using, known).items():
                phrase = phrase_words(name)
                # A name the descriptions themselves use is CMS wording: it finds its
                # codes as typed ("kanjinti" is in J9355's description).
                curated = getattr(source, "curated", False)
                if len(phrase) == 1 and known(phrase[0]) and not curated:
                    continue
                add(name, _as_list(targets), source.label)
        return cls(entries)


def _as_list(targets: str | Iterable[str]) -> list[str]:
    return [targets] if isinstance(targets, str) else list(targets)
