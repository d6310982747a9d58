from datetime import date

from django.db import connection
from django.http import QueryDict
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from codes import search, views
from codes.models import Code
from codes.search import sqlite
from codes.templatetags import page_fragments
from tests.builders import make_code
from tests.realdata import RealDataTestCase

# Text people (and robots) type into a search box that must never reach an engine's query
# syntax: every one of these gives an ordinary page.
HOSTILE_INPUTS = [
    '"',
    '""',
    "'",
    "*",
    "**",
    "e0*",
    "NEAR",
    "NEAR(a b)",
    "NEAR(wheelchair cushion, 2)",
    "a AND b",
    "a OR b",
    "NOT a",
    "AND",
    "OR OR OR",
    "(",
    ")",
    "((wheelchair)",
    "-",
    "-wheelchair",
    "--",
    "^",
    ":",
    "code:E0601",
    "{short_description}: pump",
    "wheelchair\x00cushion",
    "\x00",
    "\x01\x02\x1f",
    "🦽",
    "wheelchair 🦽 cushion",
    "\u202e\u200b",
    "x" * 10_000,
    "pump " * 2_000,
    "' OR 1=1 --",
    "'; DROP TABLE codes_code; --",
    "%",
    "%%",
    "_",
    "\\",
    "<script>alert(1)</script>",
    "&amp;",
    "E0601'",
    "E0601\x00",
    "   ",
    "ß ǅ ﬁ",
    "漢字",
    "1e9999",
    "*:*",
    "a:* & b",
    "!",
    "web:search",
]


def codes_of(queryset) -> list[str]:
    return [code.code for code in queryset]


class SearchFunctionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code(
            "E0601",
            short_description="Cont airway pressure device",
            long_description="Continuous positive airway pressure (cpap) device",
        )
        make_code(
            "E2601",
            short_description="Gen w/c cushion wdth < 22 in",
            long_description="General use wheelchair seat cushion, width less than 22 inches",
        )
        make_code(
            "E0784",
            short_description="Ext amb infusn pump insulin",
            long_description="External ambulatory infusion pump, insulin",
        )
        make_code(
            "A4231",
            short_description="Infusion set insulin pump",
            long_description="Infusion set for external insulin pump, needle type",
        )
        make_code(
            "B9002",
            short_description="Enteral infusion pump",
            long_description="Enteral nutrition infusion pump, any type, pump pump pump",
        )
        make_code(
            "G0008",
            short_description="Admin influenza virus vac",
            long_description="Administration of influenza virus vaccine",
        )
        make_code(
            "J9999",
            short_description="Antineoplastic drug",
            long_description="Not otherwise classified, antineoplastic drugs, insulin",
            termination_date=date(2020, 12, 31),
        )
        make_code(
            "KX", short_description="Documentation on file", long_description="Requirements met"
        )

    def test_blank_text_gives_no_results(self):
        assert list(Code.objects.search("")) == []
        assert list(Code.objects.search("  ,;  ")) == []

    def test_search_matches_code_prefix(self):
        assert codes_of(Code.objects.search("e060")) == ["E0601"]

    def test_search_matches_word_prefix(self):
        assert codes_of(Code.objects.search("wheelch")) == ["E2601"]

    def test_results_are_ranked_with_a_rank_annotation_best_first(self):
        results = list(Code.objects.search("insulin pump"))
        ranks = [code.rank for code in results]
        assert ranks == sorted(ranks, reverse=True)
        assert results[0].code in {"E0784", "A4231"}

    def test_a_code_matching_every_word_ranks_above_one_repeating_a_word(self):
        # B9002 says "pump" five times but never "insulin".
        found = codes_of(Code.objects.search("insulin pump"))
        assert found.index("E0784") < found.index("B9002")
        assert found.index("A4231") < found.index("B9002")

    def test_code_and_short_description_weigh_more_than_long_description(self):
        make_code("A9000", short_description="Other item", long_description="A ventilator")
        make_code("A9001", short_description="Ventilator", long_description="Other item")
        assert codes_of(Code.objects.search("ventilator")) == ["A9001", "A9000"]

    def test_terminated_code_ranks_below_active_code(self):
        found = codes_of(Code.objects.search("insulin"))
        assert found[-1] == "J9999"

    def test_search_result_is_a_chainable_queryset(self):
        narrowed = Code.objects.search("insulin pump").filter(code__startswith="A")
        assert codes_of(narrowed) == ["A4231"]
        assert Code.objects.search("insulin pump").count() == 4

    def test_search_does_not_require_every_word(self):
        # "depot" is nowhere in the data; the code matching the other word is still found.
        assert "G0008" in codes_of(Code.objects.search("depot influenza"))

    def test_typo_is_corrected_from_the_words_of_the_data(self):
        assert codes_of(Code.objects.search("wheelchiar cushon")) == ["E2601"]
        parsed = search.parse_query("wheelchiar cushon")
        assert parsed.corrected_text == "wheelchair cushion"
        assert parsed.unknown_words == ["wheelchiar", "cushon"]

    def test_swapped_letters_count_as_one_edit(self):
        assert search.edit_distance("insluin", "insulin", 2) == 1
        assert search.edit_distance("pump", "insulin", 2) == 3

    def test_word_with_no_close_word_matches_nothing(self):
        assert list(Code.objects.search("xylophone")) == []

    def test_everyday_names_find_the_cms_wording(self):
        assert codes_of(Code.objects.search("flu shot")) == ["G0008"]

    def test_stop_words_are_ignored_unless_they_are_the_whole_query(self):
        parsed = search.parse_query("pump with the insulin")
        assert [t.word for t in parsed.terms] == ["pump", "insulin"]
        assert [t.word for t in search.parse_query("of the").terms] == ["of", "the"]

    def test_modifiers_are_searched_too(self):
        assert codes_of(Code.objects.search("documentation")) == ["KX"]

    def test_search_sees_codes_added_after_an_earlier_search(self):
        assert list(Code.objects.search("zebrafish")) == []
        make_code("A9002", short_description="Zebrafish", long_description="Zebrafish")
        assert codes_of(Code.objects.search("zebrafish")) == ["A9002"]

    def test_the_vocabulary_sees_a_removal_another_process_recorded(self):
        from codes.dataversion import record_change

        make_code("A9003", short_description="Axolotl", long_description="Axolotl")
        make_code("A9004", short_description="Newt", long_description="Newt")
        assert "axolotl" in search.Vocabulary.current().counts
        # As remove_release does in its own process: no data_changed() here, and the
        # newest ids stay the same.
        Code.objects.filter(code="A9003").delete()
        record_change()
        assert "axolotl" not in search.Vocabulary.current().counts

    def test_hostile_text_never_reaches_the_engine(self):
        for text in HOSTILE_INPUTS:
            with self.subTest(text=text[:40]):
                list(Code.objects.search(text)[:10])
                match = sqlite.fts5_query(search.parse_query(text))
                for term in search.parse_query(text).terms:
                    assert term.word.isalnum()
                assert "NEAR(" not in match

    def test_query_words_are_quoted_for_fts5(self):
        parsed = search.parse_query('insulin" OR pump*')
        assert sqlite.fts5_query(parsed) == ('("insulin" OR "insulin"*) OR ("pump" OR "pump"*)')

    def test_long_text_is_cut_to_a_few_words(self):
        parsed = search.parse_query("pump " * 2000 + " ".join(f"w{n}" for n in range(50)))
        assert len(parsed.terms) <= search.MAX_WORDS


class HighlightTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("E2601", short_description="Wheelchair cushion", long_description="Cushions")

    def test_matched_words_are_marked(self):
        parsed = search.parse_query("wheelchair cushion")
        marked = search.highlight("General wheelchair seat cushions", parsed)
        assert marked == "General <mark>wheelchair</mark> seat <mark>cushions</mark>"

    def test_highlight_escapes_the_text(self):
        parsed = search.parse_query("cushion")
        marked = search.highlight("<b>cushion</b> & seat", parsed)
        assert marked == "&lt;b&gt;<mark>cushion</mark>&lt;/b&gt; &amp; seat"

    def test_corrected_words_are_marked(self):
        parsed = search.parse_query("wheelchiar")
        assert search.highlight("Wheelchair", parsed) == "<mark>Wheelchair</mark>"

    def test_text_without_matches_is_only_escaped(self):
        parsed = search.parse_query("cushion")
        assert search.highlight("Seat <belt>", parsed) == "Seat &lt;belt&gt;"


class SearchViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code(
            "E0601",
            short_description="Cont airway pressure device",
            long_description="Continuous positive airway pressure (cpap) device",
            betos_code="D1C",
        )
        make_code("E0602", short_description="Manual breast pump", long_description="Breast pump")
        make_code("E0700", short_description="Safety equipment", long_description="Safety device")
        make_code("J9000", short_description="Doxorubic hcl 10 mg", long_description="Doxorubicin")
        make_code("A4231", short_description="Infusion set insulin pump", long_description="Set")
        make_code("GY", short_description="Statutorily excluded", long_description="Excluded item")

    def get(self, **params):
        return self.client.get(reverse("codes:search"), params)

    def test_exact_code_redirects_to_its_page(self):
        response = self.get(q="E0601")
        self.assertRedirects(response, reverse("codes:detail", args=["E0601"]))

    def test_exact_code_in_any_case_with_spaces_redirects(self):
        response = self.get(q="  e0601 ")
        self.assertRedirects(response, reverse("codes:detail", args=["E0601"]))

    def test_exact_modifier_redirects_to_its_page(self):
        response = self.get(q="gy")
        self.assertRedirects(response, reverse("codes:modifier_detail", args=["GY"]))

    def test_code_prefix_lists_the_codes_it_starts(self):
        response = self.get(q="e06")
        assert response.status_code == 200
        assert codes_of(response.context["page"]) == ["E0601", "E0602"]
        self.assertContains(response, "2 results starting with")

    def test_letter_and_digit_prefix_lists_codes(self):
        response = self.get(q="j9")
        assert codes_of(response.context["page"]) == ["J9000"]

    def test_words_are_ranked_and_highlighted(self):
        response = self.get(q="pump")
        assert sorted(codes_of(response.context["page"])) == ["A4231", "E0602"]
        assert response.context["page"][0].rank >= response.context["page"][1].rank
        self.assertContains(response, "Manual breast <mark>pump</mark>", html=False)

    def test_highlighting_escapes_the_query(self):
        response = self.get(q="<script>pump</script>")
        assert response.status_code == 200
        self.assertNotContains(response, "<script>pump", html=False)

    def test_typo_shows_what_was_searched(self):
        response = self.get(q="airwya presure")
        assert codes_of(response.context["page"]) == ["E0601"]
        self.assertContains(response, "Showing results for <strong>airway pressure</strong>")

    def test_words_no_code_uses_are_named(self):
        response = self.get(q="zzqqxx pump")
        assert sorted(codes_of(response.context["page"])) == ["A4231", "E0602"]
        self.assertContains(response, "No code description uses zzqqxx")

    def test_no_match_says_so_and_suggests_words(self):
        response = self.get(q="pumpkinx")
        assert response.status_code == 200
        self.assertContains(response, "No codes match")
        assert "pump" in response.context["suggested_words"]

    def test_no_match_for_a_code_suggests_neighbouring_codes(self):
        response = self.get(q="E0650")
        self.assertContains(response, "No codes match")
        assert codes_of(response.context["suggested_codes"]) == ["E0601", "E0602", "E0700"]

    def test_browse_filters_narrow_the_results(self):
        response = self.get(q="device", betos="D1C")
        assert codes_of(response.context["page"]) == ["E0601"]
        response = self.get(q="device", section="J")
        assert codes_of(response.context["page"]) == []

    def test_searches_without_filters_share_a_form_that_keeps_no_earlier_filter(self):
        filtered = self.get(q="device", betos="D1C").content.decode()
        assert '<option value="D1C" selected>' in filtered
        for _ in range(2):
            plain = self.get(q="device")
            assert '<option value="D1C" selected>' not in plain.content.decode()
            assert sorted(codes_of(plain.context["page"])) == ["E0601", "E0700"]
        fresh = views.SearchFilter(QueryDict("q=device"), queryset=Code.objects.all())
        shared = views._unfiltered_search()
        assert page_fragments.filter_fields(shared) == page_fragments.filter_fields(fresh)

    def test_filters_narrow_a_prefix_listing(self):
        response = self.get(q="E0", betos="d1c")
        assert codes_of(response.context["page"]) == ["E0601"]

    def test_invalid_filter_is_a_clear_400(self):
        response = self.get(q="pump", betos="NOPE")
        assert response.status_code == 400
        self.assertContains(response, "Some filters were not understood", status_code=400)

    def test_empty_query_shows_the_search_form(self):
        response = self.get()
        assert response.status_code == 200
        self.assertContains(response, 'name="q"')

    def test_hostile_inputs_give_a_normal_page(self):
        for text in HOSTILE_INPUTS:
            with self.subTest(text=text[:40]):
                response = self.get(q=text)
                assert response.status_code in (200, 302, 400)
                if response.status_code == 200:
                    self.assertContains(response, "<h1>")

    def test_hostile_page_numbers_never_fail(self):
        for page in ["0", "-1", "abc", "1e9999", "\x00", "1.5", ""]:
            with self.subTest(page=page):
                assert self.get(q="pump", page=page).status_code == 200

    def test_a_page_past_the_last_says_so(self):
        response = self.get(q="pump", page="99999999999999999999")

        assert response.status_code == 404
        self.assertContains(response, "?q=pump", status_code=404)

    def test_query_count_is_constant_whatever_the_number_of_results(self):
        self.get(q="pump")  # loads the vocabulary once per process and data version
        # PostgreSQL counts the codes in the page's own query.
        queries = 3 if connection.vendor == "postgresql" else 4
        with self.assertNumQueries(queries):
            self.get(q="safety")
        with self.assertNumQueries(queries):
            self.get(q="pump set insulin")

    def test_prefix_listing_query_count_is_constant(self):
        with self.assertNumQueries(3):
            self.get(q="E06")
        with self.assertNumQueries(3):
            self.get(q="E")


class SearchRealDataTests(RealDataTestCase):
    """Coders' queries against the real 2025-oct release."""

    def top(self, text: str, n: int = 10) -> list[str]:
        return list(Code.objects.search(text).values_list("code", flat=True)[:n])

    def test_insulin_pump_finds_the_external_insulin_pump(self):
        assert "E0784" in self.top("insulin pump", 3)

    def test_glucose_test_strips_find_the_home_monitor_strips(self):
        assert "A4253" in self.top("glucose test strips", 3)

    def test_ambulance_mileage_finds_ground_mileage(self):
        assert "A0425" in self.top("ambulance mileage", 5)

    def test_oxygen_concentrator(self):
        assert "E1390" in self.top("oxygen concentrator", 3)

    def test_misspelt_wheelchair_cushion_still_finds_the_cushion(self):
        assert "E2601" in self.top("wheelchiar cushon")

    def test_misspelt_insulin_pump_still_finds_the_pump(self):
        assert "E0784" in self.top("insluin pump", 3)

    def test_modifier_by_its_meaning(self):
        assert self.top("waiver of liability", 3)[0] == "GA"

    def test_prefix_lists_every_code_it_starts(self):
        response = self.client.get(reverse("codes:search"), {"q": "E06"})
        expected = list(
            Code.objects.filter(code__startswith="E06")
            .order_by("code")
            .values_list("code", flat=True)
        )
        assert len(expected) > 5
        assert [c.code for c in response.context["page"]] == expected[:50]

    def test_ranked_words_come_25_to_a_page_and_a_prefix_50(self):
        words = self.client.get(reverse("codes:search"), {"q": "wheelchair"})
        assert words.context["page"].paginator.count > 50
        assert len(words.context["page"]) == 25
        self.assertContains(words, "(1&ndash;25 shown)")
        prefix = self.client.get(reverse("codes:search"), {"q": "E0"})
        assert len(prefix.context["page"]) == 50

    def test_exact_code_redirects(self):
        response = self.client.get(reverse("codes:search"), {"q": "e0784"})
        self.assertRedirects(response, reverse("codes:detail", args=["E0784"]))

    def test_keyword_page_highlights_real_descriptions(self):
        response = self.client.get(reverse("codes:search"), {"q": "insulin pump"})
        assert response.status_code == 200
        self.assertContains(response, "<mark>insulin</mark>")


class IndexSchemaTests(TestCase):
    """The migrations leave each engine its index: what the search SQL reads."""

    def test_the_database_has_its_engine_search_index(self):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [search.FTS_TABLE])
                assert "USING fts5" in cursor.fetchone()[0]
            else:
                cursor.execute(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
                    [Code._meta.db_table],
                )
                definitions = " ".join(row[0] for row in cursor.fetchall())
                assert "USING gin (search_vector)" in definitions
                assert "gin_trgm_ops" in definitions
                assert "codes_code_search_idx " not in definitions


PEMBROLIZUMAB = ("J9271", "Inj pembrolizumab", "Injection, pembrolizumab, 1 mg")


def make_codes(*rows: tuple) -> None:
    """Codes from (code, short description, long description[, other fields]) rows."""
    for code, short, long, *fields in rows:
        make_code(code, short_description=short, long_description=long, **(fields or [{}])[0])


class LanguageSearchTests(TestCase):
    """Drug names, lay terms, typo limits and active-first ranking on small data."""

    @classmethod
    def setUpTestData(cls):
        make_codes(
            PEMBROLIZUMAB,
            ("J7050", "Normal saline infusion", "Infusion, normal saline solution, 250 cc"),
            ("L1830", "Ko immob canvas long", "Knee orthosis, immobilizer, canvas longitudinal"),
            ("L3215", "Woman's shoe oxford brace", "Orthopedic footwear, oxford, part of a brace"),
            ("L3380", "Clubfoot wedge", "Clubfoot wedge, knee"),
            ("L3649", "Humeral orthosis", "Humeral fracture orthosis, prefabricated"),
            ("E0100", "Cane", "Cane, includes canes of all materials, with tip"),
            (
                "K0098",
                "Drive belt for pwc, repl",
                "Drive belt for power wheelchair, replacement only",
                {"date_added": date(1994, 1, 1)},
            ),
            (
                "K0823",
                "Pwc gp 2 std cap chair",
                "Power wheelchair, group 2 standard, captains chair, patient weight capacity "
                "up to and including 300 pounds",
                {"date_added": date(2006, 10, 1)},
            ),
            (
                "E0101",
                "Cane with seat",
                "Cane, adjustable, with seat and tip",
                {"termination_date": date(2019, 12, 31), "cross_reference_1": "E0100"},
            ),
        )

    def top(self, text: str) -> list[str]:
        return codes_of(Code.objects.search(text))

    def test_a_brand_name_finds_the_codes_of_its_generic_name(self):
        assert self.top("keytruda")[0] == "J9271"

    def test_a_drug_name_outweighs_the_words_describing_it(self):
        assert self.top("keytruda infusion")[0] == "J9271"

    def test_a_lay_word_finds_the_cms_word(self):
        assert self.top("knee brace")[0] == "L1830"

    def test_a_lay_term_for_an_item_ranks_the_item_before_its_parts(self):
        # The drive belt is older and its description shorter: it would lead on score.
        assert self.top("power wheelchair") == ["K0823", "K0098"]
        assert self.top("electric wheelchair") == ["K0823", "K0098"]

    def test_the_word_the_user_typed_ranks_above_what_only_the_thesaurus_finds(self):
        found = self.top("brace")
        assert found[0] == "L3215"
        assert "L1830" in found

    def test_a_known_drug_name_is_never_corrected(self):
        parsed = search.parse_query("keytruda")
        assert not parsed.corrected
        assert parsed.terms[0].expansion.targets == ("pembrolizumab",)

    def test_a_word_is_not_corrected_to_a_word_two_edits_away_when_short(self):
        # "humira" is two edits from "humeral"; seven letters or fewer allow one.
        assert search.allowed_edits("humira") == 1
        parsed = search.parse_query("humirx")
        assert "humeral" not in parsed.corrected_text
        assert search.allowed_edits("wheelchiar") == 2

    def test_a_misspelt_drug_name_is_corrected_to_the_name(self):
        parsed = search.parse_query("keytrda")
        assert parsed.corrected_text == "keytruda"
        assert parsed.expansions[0].targets == ("pembrolizumab",)
        assert self.top("keytrda")[0] == "J9271"

    def test_code_and_letter_before_it_are_noise(self):
        assert search.query_words("j code for keytruda") == ["keytruda"]
        assert search.query_words("codes") == ["codes"]
        assert search.query_words("the of and with") == ["the", "of"]

    def test_active_codes_come_before_terminated_ones_that_match_more_words(self):
        assert self.top("cane seat tip") == ["E0100", "E0101"]

    def test_terminated_codes_stay_findable(self):
        assert "E0101" in codes_of(Code.objects.search("seat").terminated())

    def test_the_query_says_what_was_also_searched(self):
        parsed = search.parse_query("keytruda knee brace")
        assert [(e.text, e.shown_targets) for e in parsed.expansions] == [
            ("keytruda", ["pembrolizumab"]),
            ("knee brace", ["knee orthosis"]),
        ]


class LanguageSearchPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_codes(
            PEMBROLIZUMAB,
            ("E0601", "Cont airway pressure device", "Continuous positive airway pressure device"),
            ("A4206", "1 cc sterile syringe&needle", "Syringe with needle, sterile, 1 cc or less"),
            ("A4", "Dressing for four wounds", "Dressing for four wounds"),
            ("GY", "Statutorily excluded", "Excluded item"),
            (
                "G0436",
                "Tobacco-use counsel 3-10 min",
                "Smoking and tobacco cessation counseling visit, 3 to 10 minutes",
                {"termination_date": date(2016, 9, 30), "cross_reference_1": "99406"},
            ),
            (
                "E0602",
                "Breast pump old",
                "Breast pump, manual, any type",
                {
                    "termination_date": date(2020, 1, 1),
                    "cross_reference_1": "E0603",
                    "cross_reference_2": "99999",
                },
            ),
            ("E0603", "Breast pump", "Breast pump, electric"),
        )

    def get(self, text, **params):
        return self.client.get(reverse("codes:search"), {"q": text, **params})

    def test_the_page_says_which_words_were_also_searched(self):
        response = self.get("keytruda")
        assert codes_of(response.context["page"]) == ["J9271"]
        self.assertContains(
            response, "Also searched: <strong>keytruda</strong> as pembrolizumab (drug name)."
        )

    def test_codes_typed_with_separators_open_the_code(self):
        for text in ["E-0601", "e 0601", "E.0601", " e - 0601 "]:
            with self.subTest(text=text):
                self.assertRedirects(self.get(text), reverse("codes:detail", args=["E0601"]))

    def test_a_cpt_code_gets_a_page_that_says_what_it_is(self):
        response = self.get("99406")
        assert response.status_code == 200
        self.assertContains(response, "is a CPT code")
        self.assertContains(response, "American Medical Association")
        self.assertContains(response, "not part of HCPCS Level II")
        assert [c.code for c in response.context["cpt"].referring] == ["G0436"]
        self.assertContains(response, 'href="/codes/G0436/"')

    def test_a_cpt_code_with_a_letter_and_none_citing_it(self):
        response = self.get("0525T")
        self.assertContains(response, "is a CPT code")
        self.assertContains(response, "No HCPCS Level II code in the loaded data names it")

    def test_two_characters_that_are_a_modifier_and_a_prefix_offer_both(self):
        response = self.get("a4")
        assert response.status_code == 200
        assert response.context["modifier"].code == "A4"
        assert "A4206" in codes_of(response.context["page"])
        self.assertContains(response, 'href="/modifiers/A4/"')

    def test_a_modifier_that_starts_no_code_still_opens(self):
        self.assertRedirects(self.get("GY"), reverse("codes:modifier_detail", args=["GY"]))

    def test_terminated_rows_show_status_and_replacement(self):
        response = self.get("breast pump")
        assert codes_of(response.context["page"]) == ["E0603", "E0602"]
        self.assertContains(response, "Terminated 2020-01-01")
        self.assertContains(response, 'see <a class="code" href="/codes/E0603/">E0603</a>')
        self.assertContains(response, '<span class="code">99999</span> (CPT)')

    def test_the_home_and_search_pages_have_one_search_box_each(self):
        for url in [reverse("codes:home"), reverse("codes:search")]:
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                assert html.count('type="search"') == 1
                assert html.count("data-suggest-url=") == 1
        html = self.client.get(reverse("codes:glossary")).content.decode()
        assert 'id="header-q"' in html


class ThesaurusRealDataTests(RealDataTestCase):
    """The thesaurus and drug names against the real 2025-oct release. Runs on both
    databases: the same query gives the same first results on SQLite and PostgreSQL."""

    def top(self, text: str, n: int = 10) -> list[str]:
        return list(Code.objects.search(text).values_list("code", flat=True)[:n])

    def test_every_thesaurus_target_occurs_in_the_loaded_vocabulary(self):
        from codes.expansion import phrase_words, read_thesaurus

        vocabulary = search.Vocabulary.current()
        thesaurus = read_thesaurus()
        for table in ("terms", "drugs"):
            for name, targets in thesaurus[table].items():
                for target in targets:
                    with self.subTest(name=name, target=target):
                        unknown = [w for w in phrase_words(target) if w not in vocabulary.counts]
                        assert not unknown, f"{name} -> {target}: {unknown} not in the data"

    def test_every_item_term_is_a_thesaurus_term(self):
        from codes.expansion import phrase_words, read_thesaurus

        thesaurus = read_thesaurus()
        terms = {phrase_words(name) for name in thesaurus["terms"]}
        for name in thesaurus["items"]["terms"]:
            with self.subTest(name=name):
                assert phrase_words(name) in terms
                assert search.parse_query(name).terms[0].expansion.names_item

    def test_brand_names_find_their_codes(self):
        for brand, code in [
            ("keytruda", "J9271"),
            ("humira", "J0139"),
            ("zofran", "J2405"),
            ("avastin", "J9035"),
            ("opdivo", "J9299"),
            ("xolair", "J2357"),
            ("neulasta", "J2506"),
            ("j code for humira", "J0139"),
        ]:
            with self.subTest(brand=brand):
                assert self.top(brand, 1) == [code]

    def test_no_thesaurus_term_or_drug_name_is_corrected(self):
        from codes.expansion import read_thesaurus

        thesaurus = read_thesaurus()
        for name in [*thesaurus["terms"], *thesaurus["drugs"], "keytruda", "remicade"]:
            with self.subTest(name=name):
                parsed = search.parse_query(name)
                assert not parsed.corrected, parsed.corrected_text
                assert parsed.expansions or name in search.Vocabulary.current().counts

    def test_humira_is_not_corrected_to_humeral(self):
        parsed = search.parse_query("humira")
        assert not parsed.corrected
        assert "L3980" not in self.top("humira")

    def test_lay_words_find_the_cms_items(self):
        for text, code in [
            ("lumbar brace", "L0625"),
            ("flu shot", "G0008"),
            ("wound vac", "E2402"),
            ("compression socks", "A6530"),
            ("adult diapers", "T4521"),
            ("bipap", "E0470"),
            ("ostomy bag", "A5052"),
        ]:
            with self.subTest(text=text):
                assert code in self.top(text, 10)

    def test_back_brace_leads_with_the_lumbar_and_lumbar_sacral_orthoses(self):
        # L0625-L0651, not the corsets (L0970-L0976) nor the scoliosis braces (L1000-).
        for text in ["back brace", "lower back brace", "lumbar brace"]:
            with self.subTest(text=text):
                top = self.top(text, 10)
                assert all("L0625" <= code <= "L0651" for code in top), top
                assert top[0] == "L0625"

    def test_power_wheelchair_leads_with_the_power_wheelchairs(self):
        # K0813-K0898 (and the pediatric E1239), not their drive belts, batteries and
        # shock absorbers (K0098, E2397, E1016) nor the old K0010-K0014 bases.
        for text in ["power wheelchair", "electric wheelchair"]:
            with self.subTest(text=text):
                top = self.top(text, 10)
                assert all("K0813" <= code <= "K0898" or code == "E1239" for code in top), top
                assert "K0823" in top[:5]

    def test_the_same_query_gives_the_same_first_results_on_both_databases(self):
        # Written once from the expected answers: the suite runs it on SQLite and on
        # PostgreSQL (scripts/with-postgres.sh), so both engines must give these.
        for text, first in [
            ("keytruda", ["J9271"]),
            ("insulin pump", ["E0784"]),
            ("lumbar brace", ["L0625"]),
            ("cpap", ["E0601"]),
            ("humira", ["J0139"]),
            ("neulasta", ["J2506"]),
            ("E0601", ["E0601"]),
        ]:
            with self.subTest(text=text):
                assert self.top(text, len(first)) == first
        # Where many codes answer equally well, both engines give the same kind of code.
        assert all(code.startswith("L18") for code in self.top("knee brace", 5))
        assert all(code.startswith("L0") for code in self.top("back brace", 5))

    def test_active_codes_come_first_in_results_and_suggestions(self):
        from codes.discovery import suggestions

        found = list(Code.objects.search("adalimumab")[:20])
        states = [c.is_terminated for c in found]
        assert states == sorted(states)
        assert True in states
        offered = suggestions("C90")
        states = [c.is_terminated for c in offered]
        assert states == sorted(states) and not states[0]


class BroadQueryPlanTests(RealDataTestCase):
    """A broad word with a column filter must not make SQLite loop over the codes and
    query FTS5 once per row (a second a page): FTS5 drives, codes are read by id. The
    plans of the queries a page really runs (its count and its rows) are checked."""

    def setUp(self):
        from django.db import connection

        if connection.vendor != "sqlite":
            self.skipTest("the per-row FTS5 plan is SQLite's")

    def assert_fts_drives(self, run):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            run()
        searched = [q["sql"] for q in queries.captured_queries if "MATCH" in q["sql"]]
        assert searched
        for sql in searched:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plan = [row[-1] for row in cursor.fetchall()]
            # "INDEX 0:=M…" is a MATCH constrained to one rowid: FTS5 queried per code row.
            assert not any("VIRTUAL TABLE INDEX 0:=" in line for line in plan), (sql, plan)
            assert not any(line.startswith("SCAN codes_code ") for line in plan), (sql, plan)

    def test_ranked_search_with_a_column_filter(self):
        for filters in [{"coverage_code": "C"}, {"kind": "procedure"}, {"code__gte": "E"}]:
            with self.subTest(filters=filters):
                results = Code.objects.search("the").filter(**filters)
                self.assert_fts_drives(lambda r=results: (r.count(), list(r[:25])))

    def test_list_match_with_a_column_filter(self):
        results = Code.objects.matching("the").filter(coverage_code="C").order_by("code")
        self.assert_fts_drives(lambda: (results.count(), list(results[:50])))

    def test_list_and_search_pages_with_a_broad_word_and_filters(self):
        for url in ["/codes/?q=the&coverage=C", "/search/?q=the&coverage=C", "/search/?q=the"]:
            with self.subTest(url=url):
                self.assert_fts_drives(lambda u=url: self.client.get(u))


class UnfilteredRankingTests(RealDataTestCase):
    """The search page's compiled ranking of every code is the ranked queryset's, on
    both engines."""

    def engine(self):
        from codes.search import postgresql, sqlite

        return postgresql if connection.vendor == "postgresql" else sqlite

    def test_same_codes_ranks_and_count_as_the_ranked_queryset(self):
        from codes.search import parse_query

        engine = self.engine()
        texts = [
            "wheelchair cushion",
            "keytruda",
            "wound vac",
            "the",
            "insulin pump supplies",
            "wheelchiar",
            "power wheelchair group 2",
            "neulasta injection",
        ]
        for text in texts:
            parsed = parse_query(text)
            ranked = engine.ranked(Code.objects.all(), parsed)
            compiled = engine.UnfilteredRanking(parsed, ("code", "short_description"), "default")
            for rows in (slice(0, 25), slice(25, 50)):
                with self.subTest(text=text, rows=rows):
                    expected = [(c.code, c.rank) for c in ranked[rows]]
                    assert [(c.code, c.rank) for c in compiled[rows]] == expected
            assert compiled.count() == ranked.count()
        no_match = engine.UnfilteredRanking(parse_query("zzzzqx"), ("code",), "default")
        assert no_match.count() == 0
        assert no_match[0:0] == []

    def test_counted_with_the_first_rows_or_without_the_same_answers(self):
        from codes.search import parse_query

        engine = self.engine()
        parsed = parse_query("wheelchair cushion")
        ranked = engine.ranked(Code.objects.all(), parsed)
        total = ranked.count()
        assert total > 50
        pages = [(0, 25), (25, 50), (total - 10, total + 15), (total + 25, total + 50)]
        for first_rows in [None, *pages]:
            for start, stop in pages:
                with self.subTest(first_rows=first_rows, rows=(start, stop)):
                    ranking = engine.UnfilteredRanking(parsed, ("code",), "default", first_rows)
                    assert ranking.count() == total
                    got = [c.code for c in ranking[start:stop]]
                    assert got == [c.code for c in ranked[start:stop]]

    def test_a_page_in_range_takes_one_query_with_its_count_on_postgresql(self):
        from codes.search import parse_query

        ranking = self.engine().UnfilteredRanking(
            parse_query("wheelchair cushion"), ("code",), "default", (25, 50)
        )
        with CaptureQueriesContext(connection) as queries:
            ranking.count()
            ranking[25:50]
        assert len(queries) == (1 if connection.vendor == "postgresql" else 2)

    def test_one_compiled_query_serves_queries_of_the_same_shape(self):
        from codes.search import parse_query

        engine = self.engine()
        engine._compiled_page.cache_clear()
        for text in ["wheelchair cushion", "oxygen concentrator", "walker folding"]:
            list(engine.UnfilteredRanking(parse_query(text), ("code",), "default")[0:25])
        assert engine._compiled_page.cache_info().currsize == 1


class SearchResultsTests(TestCase):
    """`search.results`: everything the search page shows, from one call."""

    @classmethod
    def setUpTestData(cls):
        make_codes(
            ("E0601", "Cont airway pressure device", "Continuous airway pressure (CPAP) device"),
            ("E0470", "Rad bi-level pressure device", "Respiratory assist device, bi-level"),
            ("E0100", "Cane adjust/fixed with tip", "Cane, includes canes of all materials"),
        )

    def test_results_are_a_highlighted_page_with_the_parsed_query(self):
        found = search.results("pressure devise", Code.objects.all(), per_page=1)

        assert found.parsed.corrected_text == "pressure device"
        assert found.page.paginator.count == 2 and len(found.page.object_list) == 1
        row = found.page.object_list[0]
        assert "<mark>pressure</mark>" in row.short_html
        assert "<mark>device</mark>" in row.long_html
        assert not found.out_of_range and found.suggested_words == []

    def test_a_page_past_the_last_is_out_of_range_and_a_bad_one_is_the_first(self):
        assert search.results("pressure", Code.objects.all(), page="9").out_of_range
        first = search.results("pressure", Code.objects.all(), page="x")
        assert first.page.number == 1 and not first.out_of_range

    def test_a_query_that_finds_nothing_gets_close_words(self):
        found = search.results("canez", Code.objects.filter(code="E0601"))

        assert found.page.paginator.count == 0
        assert "cane" in found.suggested_words or "canes" in found.suggested_words

    def test_text_is_cut_to_the_shared_cap(self):
        found = search.results("cane " + "x" * 1000, Code.objects.all())

        assert len(found.parsed.text) <= search.MAX_QUERY_LENGTH


def test_words_sharing_as_many_trigrams_are_cut_in_alphabetical_order():
    from collections import Counter

    from codes.search.vocabulary import _most_shared

    shared = Counter({"then": 2, "che": 2, "them": 3, "they": 2})
    assert _most_shared(shared, 3) == [("them", 3), ("che", 2), ("then", 2)]
