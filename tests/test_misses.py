from django.contrib.auth.models import User
from django.test import TestCase, override_settings
from django.urls import reverse

from codes import misses
from codes.models import SearchMiss
from codes.search import parse_query
from tests.builders import make_code


class SearchMissTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_code("E0602", short_description="Manual breast pump", long_description="Breast pump")
        make_code("A4231", short_description="Infusion set insulin pump", long_description="Set")

    def search(self, text, **params):
        return self.client.get(reverse("codes:search"), {"q": text, **params})

    def test_a_search_that_finds_nothing_is_counted_by_its_normalised_words(self):
        self.search("Zzqq  of the Pumpkinx")
        miss = SearchMiss.objects.get()
        assert (miss.query, miss.results, miss.count) == ("zzqq pumpkinx", 0, 1)

    def test_the_same_words_in_the_same_order_count_on_one_row(self):
        for _ in range(3):
            self.search("Pumpkinx,  ZZQQ!")
        assert list(SearchMiss.objects.values_list("query", "count")) == [("pumpkinx zzqq", 3)]

    def test_a_weak_result_is_counted_too(self):
        self.search("breast zzqqxx")
        miss = SearchMiss.objects.get()
        assert miss.query == "breast zzqqxx"
        assert miss.results == 1

    def test_a_search_that_matches_every_word_is_not_counted(self):
        self.search("breast pump")
        assert not SearchMiss.objects.exists()

    def test_a_miss_page_is_not_cached_so_every_search_counts(self):
        response = self.search("pumpkinx")
        assert "no-cache" in response["Cache-Control"]
        assert "no-cache" not in self.search("breast pump").get("Cache-Control", "")

    def test_no_personal_data_is_kept(self):
        self.search("jane.doe@example.org")
        self.search("member 123456789")
        assert not SearchMiss.objects.exists()
        assert {f.name for f in SearchMiss._meta.get_fields()} == {
            "id",
            "query",
            "results",
            "count",
            "first_seen",
            "last_seen",
        }

    def test_filtered_searches_and_later_pages_are_not_counted(self):
        self.search("pumpkinx", coverage="C")
        self.search("pumpkinx", page="2")
        assert SearchMiss.objects.count() == 1

    def test_the_table_is_bounded_and_keeps_the_frequent_misses(self):
        parsed = parse_query("frequent")
        for _ in range(3):
            misses.record("frequent", parsed, 0)
        for n in range(30):
            word = "rare" + "abcdefghijklmnopqrstuvwxyz"[n % 26] * (1 + n // 26)
            misses.record(word, parse_query(word), 0)
        misses.evict(limit=20)
        assert SearchMiss.objects.count() <= 20
        assert SearchMiss.objects.filter(query="frequent", count=3).exists()

    def test_recording_evicts_past_the_limit(self):
        original = misses.MAX_ROWS
        misses.MAX_ROWS = 5
        self.addCleanup(setattr, misses, "MAX_ROWS", original)
        for n in range(8):
            word = "miss" + "abcdefgh"[n]
            misses.record(word, parse_query(word), 0)
        assert SearchMiss.objects.count() <= 5

    @override_settings(SEARCH_MISS_FLUSH_SECONDS=3600)
    def test_counts_are_written_together_not_on_every_search(self):
        original = misses.MAX_PENDING
        misses.MAX_PENDING = 3
        self.addCleanup(setattr, misses, "MAX_PENDING", original)
        for word in ["zzqqa", "zzqqb", "zzqqa"]:
            misses.record(word, parse_query(word), 0)
        assert not SearchMiss.objects.exists()
        misses.record("zzqqc", parse_query("zzqqc"), 0)
        assert dict(SearchMiss.objects.values_list("query", "count")) == {
            "zzqqa": 2,
            "zzqqb": 1,
            "zzqqc": 1,
        }

    def test_the_admin_lists_misses_by_frequency(self):
        SearchMiss.objects.create(
            query="rare", results=0, count=1, first_seen="2026-01-01", last_seen="2026-01-01"
        )
        SearchMiss.objects.create(
            query="common", results=0, count=9, first_seen="2026-01-01", last_seen="2026-01-02"
        )
        admin = User.objects.create_superuser("admin", "admin@example.org", "pw")
        self.client.force_login(admin)
        response = self.client.get(reverse("admin:codes_searchmiss_changelist"))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.index("common") < html.index("rare")
