"""A code's history and release comparisons: built records, then the real releases."""

from datetime import date

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import TestCase

from codes import history, importer
from codes.models import Code, Kind, Release
from tests.builders import parse_lines, record_lines
from tests.realdata import RealDataTestCase

YEAR = {"2030-jan": date(2030, 1, 1), "2030-apr": date(2030, 4, 1), "2030-jul": date(2030, 7, 1)}


def load(name: str, *records: list[str]) -> None:
    parsed = importer.ParsedRelease(
        name=name,
        effective_date=YEAR[name],
        source_name=f"{name}.txt",
        sha256=name.ljust(64, "0"),
        records=parse_lines(*records),
    )
    importer.load(parsed)


def history_of(code: str, kind: str = Kind.PROCEDURE) -> history.CodeHistory:
    return history.code_history(Code.objects.get(kind=kind, code=code))


class WordDiffTests(TestCase):
    def test_word_diff_marks_removed_and_added_words(self):
        diff = history.word_diff("Hot water bottle, any type", "Cold or hot fluid bottle, any type")
        assert diff == "<del>Hot water</del> <ins>Cold or hot fluid</ins> bottle, any type"

    def test_word_diff_escapes_the_text(self):
        diff = history.word_diff("dose <5 mg & more", "dose <10 mg & more")
        assert diff == "dose <del>&lt;5</del> <ins>&lt;10</ins> mg &amp; more"

    def test_spacing_only_change_is_flagged(self):
        change = history.FieldChange("long_description", "Long description", "a  b", "a b")
        assert change.spacing_only
        assert not history.FieldChange("x", "X", "a b", "a c").spacing_only


class CodeHistoryTests(TestCase):
    """Three releases written by the tests: 2030-jan, 2030-apr, 2030-jul."""

    @classmethod
    def setUpTestData(cls):
        load(
            "2030-jan",
            record_lines("A0001", "Wheel chair, standard", "Wheelchair", pricing_indicator_1="11"),
            record_lines("A0002", "Cane", "Cane", action_code="N"),
            record_lines("A0003", "Crutch", "Crutch", termination_date="20291231"),
            record_lines("A0004", "Walker", "Walker"),
            record_lines("GY", "Statutorily excluded", "Excluded", modifier=True),
            record_lines("A0006", "Splint", "Splint", termination_date="20301231"),
        )
        load(
            "2030-apr",
            record_lines(
                "A0001",
                "Wheel chair, standard weight",
                "Wheelchair",
                pricing_indicator_1="13",
                action_code="C",
                action_effective_date="20300401",
            ),
            # Only the action code and the sequence number differ: not a change.
            record_lines("A0002", "Cane", "Cane", action_code="C", sequence=200),
            record_lines("A0003", "Crutch", "Crutch"),
            record_lines("A0005", "Brace", "Brace", action_code="A"),
            record_lines("GY", "Statutorily excluded", "Excluded", modifier=True),
            record_lines("A0006", "Splint, any", "Splint", termination_date="20300331"),
        )
        load(
            "2030-jul",
            record_lines(
                "A0001", "Wheel chair, standard weight", "Wheelchair", pricing_indicator_1="13"
            ),
            record_lines(
                "A0002", "Cane", "Cane", termination_date="20300630", cross_reference_1="A0005"
            ),
            record_lines("A0003", "Crutch", "Crutch"),
            record_lines("A0004", "Walker", "Walker", action_code="R"),
            record_lines("A0005", "Brace", "Brace"),
            record_lines("A0006", "Splint, any", "Splint", termination_date="20300331"),
        )

    def test_code_in_the_oldest_release_is_first_listed(self):
        entries = history_of("A0001").entries
        assert [(e.release.name, e.events) for e in entries][-1] == ("2030-jan", ["listed"])

    def test_description_and_pricing_changes_are_one_row_with_each_field(self):
        entry = history_of("A0001").entries[0]
        assert entry.release.name == "2030-apr"
        assert entry.events == ["description", "changed"]
        assert entry.action_code == "C"
        assert entry.action_effective_date == date(2030, 4, 1)
        changes = {c.key: c for c in entry.changes}
        assert list(changes) == ["long_description", "pricing_indicators"]
        assert changes["long_description"].diff == "Wheel chair, standard <ins>weight</ins>"
        pricing = changes["pricing_indicators"]
        assert pricing.label == "Pricing indicator"
        assert pricing.old == "11 (Price established using national rvu's)"
        assert pricing.new.startswith("13 (Price established by carriers")

    def test_release_without_changes_gives_no_row(self):
        assert [e.release.name for e in history_of("A0001").entries] == ["2030-apr", "2030-jan"]

    def test_new_action_code_or_sequence_number_alone_is_not_a_change(self):
        names = [e.release.name for e in history_of("A0002").entries]
        assert "2030-apr" not in names

    def test_termination_row_shows_date_and_cross_reference(self):
        entry, ended = history_of("A0002").entries[:2]
        assert (ended.events, ended.ended, ended.release.name) == (
            ["terminated"],
            date(2030, 6, 30),
            "2030-jul",
        )
        assert entry.release.name == "2030-jul"
        assert entry.events == ["changed"]
        changes = {c.key: (c.old, c.new) for c in entry.changes}
        assert changes == {
            "cross_references": ("", "A0005"),
            "termination_date": ("", "2030-06-30"),
        }

    def test_termination_date_removed_is_reactivated(self):
        entry = history_of("A0003").entries[0]
        assert (entry.release.name, entry.events) == ("2030-apr", ["reactivated"])

    def test_termination_date_moved_is_a_field_change(self):
        [entry] = [e for e in history_of("A0006").entries if e.release.name == "2030-apr"]
        assert (entry.release.name, entry.events) == ("2030-apr", ["description", "changed"])
        assert ("2030-12-31", "2030-03-31") in [(c.old, c.new) for c in entry.changes]

    def test_history_section_renders_without_further_queries(self):
        result = history_of("GY", Kind.MODIFIER)
        with self.assertNumQueries(0):
            html = render_to_string("codes/_history.html", {"history": result, "code": result.code})
        assert "it was in 2030-apr" in html
        assert 'last seen in <a href="/releases/2030-apr/">2030-apr</a>' in html

    def test_code_added_in_a_later_release_is_added(self):
        entries = history_of("A0005").entries
        assert [(e.release.name, e.events) for e in entries] == [("2030-apr", ["added"])]

    def test_absent_code_disappears_then_reappears(self):
        entries = history_of("A0004").entries
        assert [(e.release.name, e.events) for e in entries] == [
            ("2030-jul", ["reappeared"]),
            ("2030-apr", ["disappeared"]),
            ("2030-jan", ["listed"]),
        ]
        assert entries[1].version is None
        assert entries[1].previous.release.name == "2030-jan"

    def test_modifier_missing_from_newest_release_keeps_last_seen(self):
        result = history_of("GY", Kind.MODIFIER)
        assert result.last_seen.name == "2030-apr"
        assert not result.in_current_release
        assert result.current_release.name == "2030-jul"
        assert result.entries[0].events == ["disappeared"]

    def test_code_history_makes_one_query(self):
        code = Code.objects.get(code="A0001")
        with self.assertNumQueries(1):
            history.code_history(code)

    def test_comparison_lists_every_kind_of_change(self):
        changes = history.compare_releases(Release.objects.get(name="2030-jul"))
        assert changes.previous.name == "2030-apr"
        assert [c.code for c in changes.added] == ["A0004"]
        assert [c.code for c in changes.terminated] == ["A0002"]
        assert changes.terminated[0].cross_references == ("A0005",)
        assert [(c.kind, c.code) for c in changes.disappeared] == [("modifier", "GY")]
        assert [c.code for c in changes.changed] == ["A0002"]

    def test_comparison_of_the_oldest_release_has_nothing_to_compare(self):
        changes = history.compare_releases(Release.objects.get(name="2030-jan"))
        assert changes.previous is None
        assert changes.counts() == dict.fromkeys(changes.LISTS, 0)

    def test_comparison_makes_two_queries(self):
        release = Release.objects.get(name="2030-apr")
        with self.assertNumQueries(2):
            history.compare_releases(release)

    def test_summaries_count_what_the_comparisons_list(self):
        for summary in history.release_summaries():
            if summary.previous is None:
                continue
            counts = history.compare_releases(summary.release).counts()
            assert (summary.added, summary.terminated, summary.disappeared, summary.changed) == (
                counts["added"],
                counts["terminated"],
                counts["disappeared"],
                counts["changed"],
            )

    def test_summaries_make_three_queries_whatever_the_number_of_releases(self):
        cache.clear()
        with self.assertNumQueries(3):
            summaries = history.release_summaries()
        assert [s.release.name for s in summaries] == ["2030-jul", "2030-apr", "2030-jan"]
        with self.assertNumQueries(1):
            assert history.release_summaries() == summaries

    def test_summaries_are_counted_again_when_a_release_goes(self):
        newest = history.release_summaries()[0]
        assert (newest.previous.name, newest.changed) == ("2030-apr", 1)
        importer.remove_release("2030-apr")
        newest = history.release_summaries()[0]
        # Against 2030-jan, A0001, A0002, A0003 and A0006 all differ.
        assert (newest.previous.name, newest.changed) == ("2030-jan", 4)

    def test_section_filter_keeps_one_section_one_letter_or_the_modifiers(self):
        changes = history.compare_releases(Release.objects.get(name="2030-jul"))
        assert changes.sections == ["transportation-services-including-ambulance", "modifiers"]
        transport = changes.filtered("transportation-services-including-ambulance")
        assert transport.counts() == changes.filtered("A").counts()
        assert changes.filtered("modifiers").counts()["disappeared"] == 1
        assert changes.filtered("A").counts()["disappeared"] == 0


class SummaryCountTests(TestCase):
    """Each rule of the summary counts on its own, one code per case."""

    @classmethod
    def setUpTestData(cls):
        load(
            "2030-jan",
            record_lines("B0001", "Same"),
            record_lines("B0002", "Date set"),
            record_lines("B0003", "Units cleared", anesthesia_base_units="5"),
            record_lines("B0004", "Termination moved", termination_date="20301231"),
            record_lines("B0005", "Termination removed", termination_date="20291231"),
            record_lines("B0006", "Terminated now"),
            record_lines("B0007", "Gone"),
        )
        load(
            "2030-apr",
            record_lines("B0001", "Same"),
            record_lines("B0002", "Date set", asc_effective_date="20300401"),
            record_lines("B0003", "Units cleared"),
            record_lines("B0004", "Termination moved", termination_date="20300331"),
            record_lines("B0005", "Termination removed"),
            record_lines("B0006", "Terminated now", termination_date="20300331"),
            record_lines("B0008", "Added terminated", termination_date="20300331"),
            record_lines("B0009", "Added"),
        )

    def test_counts_follow_each_rule(self):
        cache.clear()
        newest = history.release_summaries()[0]
        # Changed: a date set, a number cleared, a termination moved, removed and set; two
        # empty dates are equal (B0001). Terminated: set now and not set before (B0006),
        # or listed for the first time already terminated (B0008); moved is not (B0004).
        counts = (newest.added, newest.terminated, newest.disappeared, newest.changed)
        assert counts == (2, 2, 1, 5)
        changes = history.compare_releases(newest.release)
        assert [c.code for c in changes.changed] == ["B0002", "B0003", "B0004", "B0005", "B0006"]
        assert [c.code for c in changes.terminated] == ["B0006", "B0008"]


@pytest.mark.integration
class RealHistoryTests(RealDataTestCase):
    """Counts from PROVENANCE.md; procedures and modifiers keyed apart."""

    releases = ("2017-jan", "2018-jan", "2019-jan")

    def changes(self, name: str) -> history.ReleaseChanges:
        return history.compare_releases(Release.objects.get(name=name))

    def test_2018_changes_agree_with_provenance(self):
        changes = self.changes("2018-jan")
        by_field = {f.key: f.count for f in changes.by_field}
        assert changes.previous.name == "2017-jan"
        assert len(changes.added) == 168
        assert len(changes.disappeared) == 107
        assert len(changes.terminated) == 43
        assert (by_field["long_description"], by_field["short_description"]) == (60, 70)
        assert {"FY", "JG", "QQ"} <= {c.code for c in changes.added if c.is_modifier}
        assert {"C1204", "C9130"} <= {c.code for c in changes.disappeared}

    def test_2019_changes_agree_with_provenance(self):
        changes = self.changes("2019-jan")
        by_field = {f.key: f.count for f in changes.by_field}
        assert len(changes.added) == 244
        assert [(c.kind, c.code) for c in changes.disappeared] == [
            ("procedure", "G9976"),
            ("procedure", "G9977"),
            ("modifier", "DA"),
        ]
        assert len(changes.terminated) == 49
        assert (by_field["long_description"], by_field["short_description"]) == (114, 101)
        assert by_field["pricing_indicators"] == 7
        assert {"ZA", "ZB", "ZC"} <= {c.code for c in changes.terminated}

    def test_release_summaries_agree_with_provenance(self):
        summaries = {s.release.name: s for s in history.release_summaries()}
        assert [summaries["2018-jan"].added, summaries["2018-jan"].disappeared] == [168, 107]
        assert summaries["2018-jan"].terminated == 43
        assert [summaries["2019-jan"].added, summaries["2019-jan"].disappeared] == [244, 3]
        assert summaries["2019-jan"].terminated == 49
        assert summaries["2019-jan"].changed == len(self.changes("2019-jan").changed)
        assert summaries["2017-jan"].previous is None

    def test_long_description_change_in_2019_has_a_word_diff(self):
        entry = history_of("A9273").entries[0]
        assert entry.release.name == "2019-jan"
        assert "description" in entry.events
        long = next(c for c in entry.changes if c.key == "long_description")
        assert long.diff.startswith("<del>Hot water</del> <ins>Cold or hot fluid</ins> bottle")
        assert long.old.startswith("Hot water bottle")

    def test_modifier_da_disappears_in_2019(self):
        result = history_of("DA", Kind.MODIFIER)
        assert [(e.release.name, e.events) for e in result.entries] == [
            ("2019-jan", ["disappeared"]),
            ("2017-jan", ["listed"]),
        ]
        assert result.last_seen.name == "2018-jan"
        assert not result.in_current_release

    def test_code_terminated_in_2018_shows_its_replacement(self):
        entries = history_of("G0503").entries
        ended = next(e for e in entries if e.is_termination)
        assert (ended.release.name, ended.ended) == ("2018-jan", date(2017, 12, 31))
        entry = next(e for e in entries if e.release.name == "2018-jan" and e is not ended)
        assert ("", "99493") in [
            (c.old, c.new) for c in entry.changes if c.key == "cross_references"
        ]


@pytest.mark.integration
class Real2020HistoryTests(RealDataTestCase):
    """The 2020 quarterly workbooks against PROVENANCE.md's 2020 table.

    That table counts as newly terminated only codes listed in both releases, and its
    long-description counts ignore changes of spacing between the 2019 text file and the
    workbooks; both parts are shown apart here so every figure can be checked.
    """

    releases = ("2019-jan", "2020-apr", "2020-jul", "2020-oct")

    def figures(self, name: str) -> dict:
        changes = history.compare_releases(Release.objects.get(name=name))
        by_field = {f.key: f.codes for f in changes.by_field}
        long = by_field.get("long_description", [])
        return {
            "added": len(changes.added),
            "disappeared": len(changes.disappeared),
            "terminated before": len(changes.terminated) - changes.terminated_when_added,
            "terminated when added": changes.terminated_when_added,
            "long": len(long),
            "long spacing only": sum(c.change.spacing_only for c in long),
            "short": len(by_field.get("short_description", [])),
        }

    def test_2020_april_against_2019(self):
        assert self.figures("2020-apr") == {
            "added": 297,
            "disappeared": 0,
            "terminated before": 89,
            "terminated when added": 12,
            "long": 86,
            "long spacing only": 13,
            "short": 52,
        }
        # Modifier DA is back; with 2019-jan the oldest release loaded, it counts as added.
        assert history_of("DA", Kind.MODIFIER).entries[0].events == ["added"]

    def test_2020_july_and_october(self):
        assert self.figures("2020-jul") == {
            "added": 61,
            "disappeared": 0,
            "terminated before": 9,
            "terminated when added": 0,
            "long": 5,
            "long spacing only": 1,
            "short": 5,
        }
        assert self.figures("2020-oct") == {
            "added": 38,
            "disappeared": 0,
            "terminated before": 4,
            "terminated when added": 0,
            "long": 7,
            "long spacing only": 0,
            "short": 4,
        }

    def test_workbook_sequence_numbers_are_not_a_change(self):
        # The text file numbers lines 00100, the workbook 0010: every code would differ.
        assert len(history.compare_releases(Release.objects.get(name="2020-apr")).changed) == 195
