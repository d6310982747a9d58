"""The importer on the real CMS releases in HCPCS_DATA_DIR (facts from PROVENANCE.md)."""

import shutil
import zipfile
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from codes import importer
from codes.models import Code, CodeVersion, ProcessingNote, Release
from tests.realdata import RealDataTestCase, parsed_release, release_path

pytestmark = pytest.mark.integration

# PROVENANCE.md: distinct procedure codes and modifiers per release.
COUNTS = {
    "2017-jan": (6155, 343),
    "2018-jan": (6205, 354),
    "2019-jan": (6440, 360),
    "2020-jan": (6710, 369),
    "2020-apr": (6728, 369),
    "2020-jul": (6789, 369),
    "2020-oct": (6825, 371),
    "2025-jan": (8259, 383),
    "2025-oct": (8463, 383),
}
# PROVENANCE.md: codes and modifiers with a termination date (2020-jan and 2025-jan: as
# counted in their .txt files).
TERMINATED = {
    "2017-jan": 530,
    "2018-jan": 466,
    "2019-jan": 515,
    "2020-jan": 615,
    "2025-jan": 1165,
    "2025-oct": 1225,
}

S9329_LONG = (
    "Home infusion therapy, chemotherapy infusion; administrative services, professional "
    "pharmacy services, care coordination, and all necessary supplies and equipment (drugs "
    "and nursing visits coded separately), per diem (do not use this code with s9330 or s9331)"
)
S9329 = {
    "kind": "procedure",
    "long_description": S9329_LONG,
    "short_description": "Hit chemo per diem",
    "pricing_indicator_1": "00",
    "pricing_indicator_2": "",
    "pricing_indicator_3": "",
    "pricing_indicator_4": "",
    "multiple_pricing_indicator": "9",
    "coverage_code": "I",
    "processing_note": "0088",
    "betos_code": "Z2",
    "type_of_service_1": "9",
    "type_of_service_2": "",
    "anesthesia_base_units": 0,
    "date_added": date(2002, 1, 1),
    "action_effective_date": date(2002, 1, 1),
    "termination_date": None,
    "action_code": "N",
    "cross_reference_1": "",
    "lab_certification_1": "",
    "statute": "",
    "unparsed": {},
}


def record(name: str, code: str) -> importer.CodeRecord:
    return next(r for r in parsed_release(name).records if r.code == code)


def test_every_release_folder_is_pinned_here_oldest_first():
    from django.conf import settings

    from codes.importer import release_folders

    names = [folder.name for folder in release_folders(settings.HCPCS_DATA_DIR)]
    assert names == list(COUNTS)


def test_2020_jan_reads_its_text_file_named_with_disclaimer():
    parsed = parsed_release("2020-jan")
    assert parsed.source_name == "HCPC2020_ANWEB_w_disclaimer.txt"
    assert (parsed.name, parsed.effective_date) == ("2020-jan", date(2020, 1, 1))
    assert len(parsed.notes) == 220


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_record_counts_match_provenance(name):
    parsed = parsed_release(name)
    assert (parsed.procedure_count, parsed.modifier_count) == COUNTS[name]


@pytest.mark.parametrize("name", sorted(TERMINATED))
def test_terminated_counts_match_provenance(name):
    records = parsed_release(name).records
    assert sum(1 for r in records if r.termination_date) == TERMINATED[name]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_s9329_holds_the_seed_values_in_every_release(name):
    s9329 = record(name, "S9329").values()
    assert {k: s9329[k] for k in S9329} == S9329


def test_2019_first_line_action_codes_match_provenance():
    # PROVENANCE counts first lines including the one stray workbook row; the .txt has none.
    actions = Counter(r.action_code for r in parsed_release("2019-jan").records)
    assert actions == Counter(N=6372, A=228, C=94, D=49, P=47, S=8, F=1, B=1)


def test_2017_trimmed_continuation_lines_and_2019_short_line_parse():
    # G8891's second line is 316 characters; its three pieces still join in order.
    g8891 = record("2019-jan", "G8891").long_description
    assert g8891.startswith("Documentation of medical reason(s) for most recent ldl-c")
    assert "not under control (e.g., patients with palliative goals" in g8891
    assert g8891.endswith("is not clinically appropriate)")
    # 2017 trims every continuation line to 91 characters.
    assert record("2017-jan", "S9329").long_description == S9329_LONG
    longest = max(parsed_release("2019-jan").records, key=lambda r: len(r.long_description))
    assert longest.code == "G0503"
    assert len(longest.long_description) >= 1200
    assert max(len(r.long_description) for r in parsed_release("2025-oct").records) > 4400


def test_processing_notes_are_read_from_the_release_zip():
    notes = parsed_release("2019-jan").notes
    assert len(notes) == 218
    assert notes["0088"].startswith('"S" CODES ARE UNIQUE TEMPORARY CODES ESTABLISHED BY BCBSA')
    assert len(parsed_release("2018-jan").notes) == 216
    assert len(parsed_release("2017-jan").notes) == 211


def test_2019_text_and_workbook_agree_but_for_known_cms_differences(tmp_path):
    with zipfile.ZipFile(release_path("2019-jan") / "2019-Alpha-Numeric-HCPCS-File.zip") as z:
        z.extract("HCPC2019_CONTR_ANWEB.xlsx", tmp_path)
    workbook = importer.read_release(tmp_path / "HCPC2019_CONTR_ANWEB.xlsx").records
    from_book = {r.key: r.values() for r in workbook}
    from_text = {r.key: r.values() for r in parsed_release("2019-jan").records}
    assert from_book.keys() == from_text.keys()
    differing = Counter()
    for key, text_values in from_text.items():
        book_values = from_book[key]
        # The workbook numbers sequences by 10 (0010), the .txt by 100 (00100).
        assert int(text_values["sequence_number"]) == int(book_values["sequence_number"]) * 10
        for column in text_values.keys() - {"sequence_number"}:
            text_value, book_value = text_values[column], book_values[column]
            if text_value == book_value:
                continue
            differing[column] += 1
            if column == "long_description":
                assert text_value.split() == book_value.split(), key
            elif column == "action_effective_date":
                assert book_value is None, key
            else:
                assert (column, text_value, book_value) == ("type_of_service_4", "", "R"), key
    # CMS's workbook doubles 13 spaces, leaves 115 old action effective dates blank and
    # adds a fourth type of service to E0210 and E0776; everything else is identical.
    assert differing == Counter(action_effective_date=115, long_description=13, type_of_service_4=2)


# The 18 codes whose long description CMS's 2025-jan workbook writes with other spacing.
SPACING_ONLY_2025 = {
    *[
        "C9754",
        "G0023",
        "G0417",
        "G0418",
        "G0419",
        "G0501",
        "G0502",
        "G0556",
        "G0557",
        "G0558",
        "G2211",
    ],
    *["G9482", "G9486", "G9488", "G9627", "G9678", "G9986", "M1377"],
}


def test_2025_jan_text_and_workbook_differ_exactly_as_cms_published_them(tmp_path):
    zip_path = release_path("2025-jan") / "january-2025-alpha-numeric-hcpcs-file.zip"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extract("HCPC2025_JAN_ANWEB_12172024.xlsx", tmp_path)
    workbook = importer.read_release(tmp_path / "HCPC2025_JAN_ANWEB_12172024.xlsx", "2025-jan")
    text = parsed_release("2025-jan")
    assert text.source_name == "HCPC2025_JAN_ANWEB_12172024.txt"
    from_book = {r.key: r.values() for r in workbook.records}
    from_text = {r.key: r.values() for r in text.records}
    assert from_book.keys() == from_text.keys()
    differences = {}
    for key, text_values in from_text.items():
        book_values = from_book[key]
        # The workbook numbers sequences by 10 (0010), the .txt by 100 (00100).
        assert int(text_values["sequence_number"]) == int(book_values["sequence_number"]) * 10
        for column in text_values.keys() - {"sequence_number"}:
            if text_values[column] != book_values[column]:
                differences[(key[1], column)] = (text_values[column], book_values[column])
    blank_dates = {code for code, column in differences if column == "action_effective_date"}
    assert len(blank_dates) == 116
    assert "A0130" in blank_dates
    assert all(
        text_value is not None and book_value is None
        for (_, column), (text_value, book_value) in differences.items()
        if column == "action_effective_date"
    )
    others = {k: v for k, v in differences.items() if k[0] not in blank_dates}
    assert others.keys() == {
        ("E0210", "type_of_service_4"),
        ("E0776", "type_of_service_4"),
        ("G0503", "long_description"),
        *((code, "long_description") for code in SPACING_ONLY_2025),
    }
    assert others[("E0210", "type_of_service_4")] == others[("E0776", "type_of_service_4")]
    assert others[("E0210", "type_of_service_4")] == ("", "R")
    whole, cut = others[("G0503", "long_description")]
    assert (len(whole), len(cut)) == (1251, 1194)
    assert " ".join(whole.split()).startswith(" ".join(cut.split()))
    for code in SPACING_ONLY_2025:
        text_value, book_value = others[(code, "long_description")]
        assert text_value.split() == book_value.split(), code


def test_no_real_release_is_refused_beside_any_other_in_either_order():
    """`make setup` loads all nine, and any order must pass the removal guard too."""
    from itertools import combinations

    from codes.importer import guard

    for older, newer in combinations(COUNTS, 2):
        old, new = parsed_release(older), parsed_release(newer)
        old_keys, new_keys = {r.key for r in old.records}, {r.key for r in new.records}
        terminations = {r.key: r.termination_date for r in old.records if r.key not in new_keys}
        additions = {r.key: r.date_added for r in new.records if r.key not in old_keys}
        problems = guard.against_older(new, new_keys, older, len(old_keys), terminations)
        assert problems == [], (older, newer)
        problems = guard.against_newer(old, old_keys, newer, len(new_keys), additions)
        assert problems == [], (older, newer)


def test_a_code_appears_once_per_release_with_modifiers_keyed_apart():
    keys = [r.key for r in parsed_release("2025-oct").records]
    assert len(keys) == len(set(keys))
    assert ("modifier", "GY") in keys and ("modifier", "KX") in keys


class RealReleaseLoadTests(RealDataTestCase):
    releases = ("2019-jan", "2025-oct")

    def test_database_holds_each_release_and_the_current_codes(self):
        assert list(Release.objects.values_list("name", flat=True)) == ["2025-oct", "2019-jan"]
        current = Code.objects.in_current_release()
        assert current.procedures().count() == 8463
        assert current.modifiers().count() == 383
        assert CodeVersion.objects.filter(release__name="2019-jan").count() == 6800
        assert ProcessingNote.objects.filter(release__name="2019-jan").count() == 218

    def test_s9329_current_record_holds_the_seed_values(self):
        s9329 = Code.objects.get(code="S9329")
        assert {k: getattr(s9329, k) for k in S9329} == S9329
        assert s9329.release.name == "2025-oct"
        assert s9329.versions.count() == 2

    def test_reimporting_a_release_is_a_no_op(self):
        before = list(CodeVersion.objects.order_by("pk").values_list("pk", "code", "release"))
        stats = importer.load(parsed_release("2025-oct"))
        assert (stats.created, stats.updated, stats.unchanged) == (0, 0, 8846)
        assert not stats.changed
        after = list(CodeVersion.objects.order_by("pk").values_list("pk", "code", "release"))
        assert after == before

    def test_corrupted_copy_of_a_real_file_leaves_the_database_untouched(self):
        before = list(Code.objects.order_by("pk").values_list("pk", "code", "short_description"))
        tmp = self.tmp_folder()
        with zipfile.ZipFile(release_path("2018-jan") / "2018-Alpha-Numeric-HCPCS-File.zip") as z:
            data = z.read("HCPC2018_CONTR_ANWEB_disc.txt")
        lines = data.split(b"\r\n")
        first_line = next(n for n in range(5000, 6000) if lines[n][10:11] == b"3")
        lines[first_line] = lines[first_line][:40]
        (tmp / "HCPC2018_CONTR_ANWEB_disc.txt").write_bytes(b"\r\n".join(lines))
        expected = rf"HCPC2018_CONTR_ANWEB_disc\.txt, line {first_line + 1}: .* truncated"
        with pytest.raises(CommandError, match=expected):
            call_command("import_hcpcs", str(tmp), stdout=StringIO(), stderr=StringIO())
        assert not Release.objects.filter(name="2018-jan").exists()
        after = list(Code.objects.order_by("pk").values_list("pk", "code", "short_description"))
        assert after == before

    def tmp_folder(self):
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp()) / "2018-jan"
        folder.mkdir()
        self.addCleanup(shutil.rmtree, folder.parent)
        return folder


class ZipAndWorkbookImportTests(TestCase):
    def test_each_kind_of_source_imports(self):
        folder = release_path("2019-jan")
        out = StringIO()
        call_command("import_hcpcs", str(folder / "2019-Alpha-Numeric-HCPCS-File.zip"), stdout=out)
        assert "2019-jan: 6800 records read (6440 procedure codes, 360 modifiers)" in out.getvalue()
        call_command("import_hcpcs", str(release_path("2025-oct")), stdout=out)
        assert "2025-oct: 8846 records read (8463 procedure codes, 383 modifiers)" in out.getvalue()
        assert Release.objects.get(name="2025-oct").source_name == "HCPC2025_OCT_ANWEB.xlsx"
        assert Release.objects.get(name="2019-jan").source_name == "HCPC2019_CONTR_ANWEB.txt"
