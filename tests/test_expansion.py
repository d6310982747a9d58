from pathlib import Path

from django.test import SimpleTestCase

from codes import expansion
from codes.expansion import DrugDictionary, Expansions, ThesaurusDrugNames, phrase_words

KNOWN = {"orthosis", "knee", "lumbar", "negative", "pressure", "pembrolizumab", "j9271", "pouch"}


def known(word: str) -> bool:
    return word in KNOWN


class Source:
    """A drug-name provider as the search expects one: a label and names()."""

    def __init__(self, names: dict, label: str = "drug name"):
        self._names = names
        self.label = label

    def names(self, using, known):
        return self._names


def build(terms=None, drugs=()) -> Expansions:
    return Expansions.build(known, drug_sources=list(drugs), thesaurus={"terms": terms or {}})


class ExpansionRuleTests(SimpleTestCase):
    def test_a_lay_word_is_searched_as_the_cms_word(self):
        found = build({"brace": ["orthosis"]}).longest_at(["knee", "brace"], 1)
        assert found.targets == ("orthosis",)
        assert found.source == "thesaurus"

    def test_the_items_list_marks_lay_terms_for_an_item(self):
        thesaurus = {
            "terms": {"Back brace": ["lumbar orthosis"], "knee brace": ["knee orthosis"]},
            "items": {"terms": ["back BRACE"]},
        }
        expansions = Expansions.build(known, drug_sources=[], thesaurus=thesaurus)
        assert expansions.entries[("back", "brace")].names_item
        assert not expansions.entries[("knee", "brace")].names_item

    def test_targets_the_loaded_data_does_not_use_are_dropped(self):
        expansions = build({"brace": ["orthosis", "splintage"], "bag": ["sack"]})
        assert expansions.entries[("brace",)].targets == ("orthosis",)
        assert ("bag",) not in expansions.entries

    def test_the_longest_phrase_wins(self):
        expansions = build({"vac": ["pressure"], "wound vac": ["negative pressure"]})
        found = expansions.longest_at(["wound", "vac", "pump"], 0)
        assert found.phrase == ("wound", "vac")
        assert found.targets == ("negative pressure",)

    def test_keys_and_targets_ignore_case_and_punctuation(self):
        expansions = build({"Wound-VAC": ["Negative, pressure"]})
        assert expansions.entries[("wound", "vac")].targets == ("negative pressure",)

    def test_a_brand_name_is_searched_as_its_generic_name(self):
        expansions = build(drugs=[Source({"Keytruda": ["pembrolizumab"]})])
        found = expansions.longest_at(["keytruda"], 0)
        assert found.targets == ("pembrolizumab",)
        assert found.source == "drug name"

    def test_the_first_source_that_names_a_product_wins(self):
        crosswalk = Source({"keytruda": ["J9271"]}, label="drug name")
        dictionary = Source({"keytruda": ["pembrolizumab"]})
        found = build(drugs=[crosswalk, dictionary]).entries[("keytruda",)]
        assert found.targets == ("j9271",)
        assert found.shown_targets == ["J9271"]

    def test_a_source_whose_targets_the_data_lacks_leaves_the_name_to_the_next(self):
        first = Source({"keytruda": ["J0000"]})
        second = Source({"keytruda": ["pembrolizumab"]})
        assert build(drugs=[first, second]).entries[("keytruda",)].targets == ("pembrolizumab",)

    def test_a_lay_term_beats_a_drug_name_of_the_same_words(self):
        expansions = build({"pouch": ["pouch"], "bag": ["pouch"]}, [Source({"bag": ["lumbar"]})])
        assert expansions.entries[("bag",)].targets == ("pouch",)

    def test_a_dictionary_name_the_descriptions_use_is_left_as_typed(self):
        expansions = build(drugs=[Source({"knee": ["pembrolizumab"]})])
        assert ("knee",) not in expansions.entries

    def test_a_maintainers_drug_name_applies_even_to_a_word_the_data_uses(self):
        path = Path(self.tmp_thesaurus('[drugs]\nknee = ["pembrolizumab"]\n'))
        expansions = build(drugs=[ThesaurusDrugNames(path)])
        assert expansions.entries[("knee",)].targets == ("pembrolizumab",)

    def test_names_longer_than_three_words_are_ignored(self):
        expansions = build({"a very long lay term": ["orthosis"]})
        assert len(expansions) == 0

    def tmp_thesaurus(self, text: str) -> str:
        import tempfile

        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        path = Path(folder.name) / "thesaurus.toml"
        path.write_text(text)
        return str(path)


class DrugDictionaryTests(SimpleTestCase):
    def test_the_dictionary_maps_brand_names_to_generic_names(self):
        names = DrugDictionary().names("default", {"pembrolizumab", "adalimumab"}.__contains__)
        assert names["keytruda"] == ["pembrolizumab"]
        assert names["humira"] == ["adalimumab"]

    def test_only_names_whose_generic_the_data_uses_are_offered(self):
        names = DrugDictionary().names("default", {"pembrolizumab"}.__contains__)
        assert "humira" not in names
        assert all(targets == ["pembrolizumab"] for targets in names.values())

    def test_the_dictionary_is_the_last_source(self):
        assert isinstance(expansion.DRUG_NAME_SOURCES[-1], DrugDictionary)


class ThesaurusFileTests(SimpleTestCase):
    def test_every_entry_is_a_list_of_words(self):
        thesaurus = expansion.read_thesaurus()
        for table in ("terms", "drugs"):
            for name, targets in thesaurus[table].items():
                with self.subTest(name=name):
                    assert isinstance(targets, list) and targets
                    assert 1 <= len(phrase_words(name)) <= expansion.MAX_PHRASE_WORDS
                    assert all(phrase_words(t) for t in targets)
                    assert any(phrase_words(t) != phrase_words(name) for t in targets)
