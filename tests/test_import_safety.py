"""Bad copies of the real CMS files are refused, named, and change nothing in the database.

Every case is built here from the real releases in HCPCS_DATA_DIR (cut, re-encoded,
re-zipped in a temporary folder), with 2019-jan loaded; each test compares a dump of
every codes_ table before and after.
"""

import shutil
import tempfile
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from codes import importer
from codes.models import CodeVersion, Release
from tests.builders import write_zip_bomb, zip_bytes
from tests.dbstate import database_dump
from tests.realdata import RealDataTestCase, release_path

pytestmark = pytest.mark.integration

TEXT_2019 = "HCPC2019_CONTR_ANWEB.txt"
TEXT_2018 = "HCPC2018_CONTR_ANWEB_disc.txt"


def real_member(release: str, zip_name: str, member: str) -> bytes:
    with zipfile.ZipFile(release_path(release) / zip_name) as archive:
        return archive.read(member)


def text_2019() -> bytes:
    return real_member("2019-jan", "2019-Alpha-Numeric-HCPCS-File.zip", TEXT_2019)


def text_2018() -> bytes:
    return real_member("2018-jan", "2018-Alpha-Numeric-HCPCS-File.zip", TEXT_2018)


def cut_at_line_end(data: bytes, fraction: float) -> bytes:
    """The file up to the last line end before `fraction` of its bytes."""
    return data[: data.rindex(b"\r\n", 0, int(len(data) * fraction)) + 2]


def line_start(data: bytes, line_number: int) -> int:
    start = 0
    for _ in range(line_number - 1):
        start = data.index(b"\n", start) + 1
    return start


def first_line_numbers(data: bytes, record_ids: bytes) -> list[int]:
    """1-based numbers of the lines whose record id (column 11) is in `record_ids`."""
    return [
        n
        for n, line in enumerate(data.split(b"\n"), start=1)
        if len(line) > 10 and line[10:11] in record_ids and line[5:10].isdigit()
    ]


def run(*args, **options) -> str:
    out = StringIO()
    call_command("import_hcpcs", *[str(a) for a in args], stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


class RefusedAgainstLoaded2019Tests(RealDataTestCase):
    releases = ("2019-jan",)

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)
        self.before = database_dump()
        assert len(self.before["codes_codeversion"]) == 6800

    def write(self, release: str, name: str, data: bytes) -> Path:
        folder = self.tmp / release
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
        return folder / name

    def assert_refused(self, path: Path, pattern: str, **options) -> str:
        """The import fails with `pattern` in its message; returns what it printed."""
        out = StringIO()
        with pytest.raises(CommandError, match=pattern):
            call_command("import_hcpcs", str(path), stdout=out, stderr=StringIO(), **options)
        assert database_dump() == self.before
        return out.getvalue()

    # The removal guard ---------------------------------------------------------------

    def test_first_half_of_the_loaded_release_is_refused(self):
        half = cut_at_line_end(text_2019(), 0.5)
        kept = len(importer.parse(importer.ReleaseFiles(TEXT_2019, half)))
        path = self.write("2019-jan", TEXT_2019, half)
        self.assert_refused(
            path,
            rf"{TEXT_2019}: refused, it would remove data: {6800 - kept:,} of the 6,800 codes "
            r"2019-jan lists now would no longer be listed \(G9511, G9512, .* and [\d,]+ more\).*"
            r"--allow-removals",
        )
        assert 3000 < 6800 - kept < 3800

    def test_first_half_loads_with_allow_removals(self):
        half = cut_at_line_end(text_2019(), 0.5)
        kept = len(importer.parse(importer.ReleaseFiles(TEXT_2019, half)))
        out = run(self.write("2019-jan", TEXT_2019, half), allow_removals=True)
        assert f"{6800 - kept} removed" in out
        assert CodeVersion.objects.filter(release__name="2019-jan").count() == kept

    def test_dry_run_reports_the_removals_and_the_refusal(self):
        half = cut_at_line_end(text_2019(), 0.5)
        kept = len(importer.parse(importer.ReleaseFiles(TEXT_2019, half)))
        path = self.write("2019-jan", TEXT_2019, half)
        out = StringIO()
        with pytest.raises(CommandError, match="Dry run: the import would be refused"):
            call_command("import_hcpcs", str(path), dry_run=True, stdout=out, stderr=StringIO())
        report = out.getvalue()
        assert f"Would add 0, change 1 and remove {6800 - kept:,} codes" in report
        assert "compared with 2019-jan as loaded" in report
        assert "  removed: G9511, G9512" in report
        assert database_dump() == self.before
        # Allowed, the dry run still writes nothing.
        assert f"remove {6800 - kept:,} codes" in run(path, dry_run=True, allow_removals=True)
        assert database_dump() == self.before

    def test_a_second_partial_anweb_beside_the_real_one_is_refused_naming_both(self):
        whole = text_2019()
        zipped = zip_bytes(
            {TEXT_2019: whole, "HCPC2019_CONTR_ANWEB_part.txt": cut_at_line_end(whole, 0.5)}
        )
        path = self.write("2019-jan", "2019-Alpha-Numeric-HCPCS-File.zip", zipped)
        self.assert_refused(
            path,
            r"2019-Alpha-Numeric-HCPCS-File\.zip: holds 2 ANWEB record files "
            rf"\({TEXT_2019}, HCPC2019_CONTR_ANWEB_part\.txt\)",
        )

    def test_zip_with_two_releases_anweb_files_is_refused_naming_them(self):
        zipped = zip_bytes({TEXT_2018: text_2018(), TEXT_2019: text_2019()})
        path = self.write("2019-jan", "2019-Alpha-Numeric-HCPCS-File.zip", zipped)
        self.assert_refused(path, rf"holds 2 ANWEB record files \({TEXT_2018}, {TEXT_2019}\)")

    def test_half_of_2018_cut_at_a_line_end_is_refused_beside_2019(self):
        # Whole lines, so the file looks whole: the newer release shows what is missing.
        path = self.write("2018-jan", TEXT_2018, cut_at_line_end(text_2018(), 0.5))
        self.assert_refused(
            path,
            r"refused, it would remove data: [\d,]+ codes that 2019-jan lists and that were "
            r"already added by 2018-01-01 are not listed .*fewer than 50% of the 6,800",
        )
        assert not Release.objects.filter(name="2018-jan").exists()

    # Files that do not look whole ------------------------------------------------------

    def assert_cut_refused(self, record_id: bytes, index: int, column: int) -> None:
        """2018's .txt cut `column` characters into one of its lines of `record_id`."""
        data = text_2018()
        number = first_line_numbers(data, record_id)[index]
        cut = data[: line_start(data, number) + column]
        self.assert_refused(
            self.write("2018-jan", TEXT_2018, cut),
            rf"{TEXT_2018}, line {number}: the file ends without a line end",
        )

    def test_2018_cut_mid_record_after_column_92_is_refused(self):
        self.assert_cut_refused(b"3", 3000, 100)

    def test_2018_cut_inside_a_continuation_line_is_refused(self):
        self.assert_cut_refused(b"4", 2000, 40)

    def test_2018_cut_at_half_its_bytes_is_refused(self):
        data = text_2018()
        cut = data[: len(data) // 2]
        number = cut.count(b"\n") + 1
        self.assert_refused(
            self.write("2018-jan", TEXT_2018, cut),
            rf"{TEXT_2018}, line {number}: the file ends without a line end .*cut short",
        )

    def edited_2018(self, record_id: bytes, index: int, edit) -> tuple[int, Path]:
        """2018's .txt with one line of `record_id` replaced by `edit(line)`, and its number."""
        data = text_2018()
        number = first_line_numbers(data, record_id)[index]
        start = line_start(data, number)
        end = data.index(b"\r\n", start)
        edited = data[:start] + edit(data[start:end]) + data[end:]
        return number, self.write("2018-jan", TEXT_2018, edited)

    def test_first_line_short_of_its_detail_columns_is_refused(self):
        number, path = self.edited_2018(b"3", 1000, lambda line: line[:200])
        self.assert_refused(
            path,
            rf"line {number}: record for \w{{5}} is truncated: it ends at column 200, and a "
            "first line carries data through column 293",
        )

    def test_line_longer_than_the_layout_is_refused(self):
        number, path = self.edited_2018(b"3", 10, lambda line: line + b"X")
        self.assert_refused(
            path, rf"line {number}: line is 321 characters, longer than the 320 of the layout"
        )

    def test_modifier_record_id_with_a_five_character_code_is_refused(self):
        number, path = self.edited_2018(b"7", 0, lambda line: b"ZZ999" + line[5:])
        self.assert_refused(
            path,
            rf"line {number}: record id 7 \(modifier\) needs a two-character modifier in "
            r"columns 4-5, but columns 1-5 hold 'ZZ999'",
        )

    def test_utf8_copy_is_refused_saying_so(self):
        utf8 = text_2019().decode("cp1252").encode("utf-8")
        self.assert_refused(
            self.write("2019-jan", TEXT_2019, utf8),
            rf"{TEXT_2019}, line 3: this looks like UTF-8, not the cp1252 CMS publishes "
            r"\('\\xa0' is written as the UTF-8 bytes c2 a0\)",
        )

    # Limits --------------------------------------------------------------------------

    def test_zip_that_inflates_to_gigabytes_is_refused_before_inflating(self):
        path = self.tmp / "2019-Alpha-Numeric-HCPCS-File.zip"
        write_zip_bomb(path, TEXT_2019, 3 << 30)
        assert path.stat().st_size < 4 << 20
        self.assert_refused(
            path,
            rf"2019-Alpha-Numeric-HCPCS-File\.zip: {TEXT_2019}: the member inflates to "
            r"3,221,225,472 bytes, more than the 50 MB an import reads .* refused before",
        )

    def test_zip_member_lying_about_its_size_is_read_only_as_far_as_it_claims(self):
        path = self.tmp / "2019-Alpha-Numeric-HCPCS-File.zip"
        write_zip_bomb(path, TEXT_2019, 1 << 30, declared_bytes=1000)
        self.assert_refused(
            path, rf"2019-Alpha-Numeric-HCPCS-File\.zip: {TEXT_2019}: cannot be read from the zip"
        )

    def test_damaged_zip_member_is_a_message_not_a_traceback(self):
        zipped = bytearray(zip_bytes({TEXT_2019: text_2019()}))
        middle = len(zipped) // 2
        zipped[middle : middle + 64] = bytes(64)
        path = self.write("2019-jan", "2019-Alpha-Numeric-HCPCS-File.zip", bytes(zipped))
        self.assert_refused(path, rf"{TEXT_2019}: cannot be read from the zip")
