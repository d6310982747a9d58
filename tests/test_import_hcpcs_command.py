"""import_hcpcs and load(): one transaction per release, idempotent, summarised."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from codes.models import Code, CodeVersion, ProcessingNote, Release
from tests.builders import record_lines, text_file, workbook_bytes


def write_release(folder: Path, *records: list[str], notes: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"HCPC{folder.name[:4]}_{folder.name[5:].upper()}_ANWEB.txt").write_bytes(
        text_file(*records)
    )
    if notes is not None:
        (folder / f"proc_notes_{folder.name[:4]}.txt").write_bytes(notes)
    return folder


def run(*args, **options) -> str:
    out = StringIO()
    call_command("import_hcpcs", *[str(a) for a in args], stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def table_state() -> dict:
    return {
        "codes": sorted(Code.objects.values_list("kind", "code", "short_description", "release")),
        "versions": sorted(
            CodeVersion.objects.values_list("kind", "code", "release", "action_code")
        ),
        "releases": sorted(Release.objects.values_list("name", "sha256")),
        "notes": sorted(ProcessingNote.objects.values_list("number", "text")),
    }


class ImportCommandTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def release(self, name="2030-jan", *codes, **fields):
        codes = codes or ("X0001", "X0002")
        return write_release(
            self.tmp / name,
            *[record_lines(c, f"Description of {c}", f"Short {c}", **fields) for c in codes],
            notes=b"          0001--A NOTE.  *\r\n",
        )

    def test_import_reports_counts_and_loads_every_record(self):
        out = run(self.release())
        assert "2030-jan: 2 records read (2 procedure codes, 0 modifiers)" in out
        assert "2 created, 0 updated, 0 unchanged" in out
        assert "1 processing notes written" in out
        assert Code.objects.count() == 2
        assert Release.objects.get().name == "2030-jan"
        assert ProcessingNote.objects.get().text == "A NOTE."

    def test_importing_the_same_file_twice_changes_nothing(self):
        path = self.release()
        run(path)
        before = table_state()
        out = run(path)
        assert "2030-jan: HCPC2030_JAN_ANWEB.txt is already loaded; unchanged." in out
        assert table_state() == before

    def test_same_records_in_another_file_compare_unchanged(self):
        run(self.release())
        before = table_state()
        folder = self.tmp / "2030-jan"
        (folder / "HCPC2030_JAN_ANWEB.txt").rename(folder / "HCPC2030_JAN_ANWEB_v2.txt")
        out = run(folder)
        assert "0 created, 0 updated, 2 unchanged" in out
        assert table_state()["codes"] == before["codes"]
        assert Release.objects.get().source_name == "HCPC2030_JAN_ANWEB_v2.txt"

    def test_changed_record_in_the_same_release_is_updated(self):
        run(self.release(coverage_code="C"))
        out = run(self.release(coverage_code="I"))
        assert "0 created, 2 updated, 0 unchanged" in out
        assert set(Code.objects.values_list("coverage_code", flat=True)) == {"I"}

    def test_record_dropped_from_a_reissued_file_is_removed(self):
        run(self.release("2030-jan", "X0001", "X0002"))
        out = run(self.release("2030-jan", "X0001"))
        assert "1 removed" in out
        assert list(Code.objects.values_list("code", flat=True)) == ["X0001"]

    def test_dry_run_writes_nothing(self):
        out = run(self.release(), dry_run=True)
        assert "Dry run: nothing written" in out
        assert not Release.objects.exists()
        assert not Code.objects.exists()

    def test_bad_file_changes_nothing_and_names_the_line(self):
        run(self.release("2030-jan"))
        before = table_state()
        bad = self.tmp / "2031-jan"
        bad.mkdir()
        good = text_file(record_lines("X0003"), record_lines("X0004"))
        (bad / "HCPC2031_JAN_ANWEB.txt").write_bytes(good[: len(good) // 2 + 40])
        with pytest.raises(CommandError, match=r"nothing was changed.*line 2"):
            run(bad)
        assert table_state() == before

    def test_failure_while_writing_rolls_back_the_whole_release(self):
        from unittest import mock

        run(self.release("2030-jan"))
        before = table_state()
        with (
            mock.patch("codes.importer.load._load_notes", side_effect=RuntimeError("disk full")),
            pytest.raises(RuntimeError),
        ):
            run(self.release("2031-jan", "X0001", "X0009"))
        assert table_state() == before

    def test_running_out_of_memory_is_a_message_not_a_traceback(self):
        from unittest import mock

        with (
            mock.patch("codes.importer.parse.parse", side_effect=MemoryError),
            pytest.raises(
                CommandError, match=r"nothing was changed\. .*2030-jan: ran out of memory"
            ),
        ):
            run(self.release())
        assert not Release.objects.exists()

    def test_database_failure_is_a_message_not_a_traceback(self):
        from unittest import mock

        from django.db import OperationalError

        with (
            mock.patch("codes.importer.is_loaded", side_effect=OperationalError("no such table")),
            pytest.raises(CommandError, match=r"the database failed \(no such table\)"),
        ):
            run(self.release())

    def test_summary_lists_warnings_with_their_lines_up_to_a_cap(self):
        from codes import importer

        count = importer.WARNINGS_LISTED + 5
        path = self.release("2030-jan", *[f"X{n:04d}" for n in range(count)], coverage_code="Q")
        out = run(path)
        assert f"{count} warnings in HCPC2030_JAN_ANWEB.txt" in out
        assert "  line 1 (X0000): coverage_code 'Q' is not in CMS's code table" in out
        assert f"line {importer.WARNINGS_LISTED} (X" in out
        assert f"line {importer.WARNINGS_LISTED + 1} (X" not in out
        assert "  … and 5 more." in out
        assert set(Code.objects.values_list("coverage_code", flat=True)) == {"Q"}

    def test_workbook_missing_a_column_is_refused(self):
        folder = self.tmp / "2032-jan"
        folder.mkdir()
        row = {"code": "X0001", "record_id": "3", "long_description": "x"}
        (folder / "HCPC2032_JAN_ANWEB.xlsx").write_bytes(workbook_bytes([row], drop=("COV",)))
        with pytest.raises(CommandError, match=r"HCPC2032_JAN_ANWEB\.xlsx, row 1: .*COV"):
            run(folder)

    def test_empty_file_is_refused(self):
        folder = self.tmp / "2033-jan"
        folder.mkdir()
        (folder / "HCPC2033_JAN_ANWEB.txt").write_bytes(b"")
        with pytest.raises(CommandError, match="no HCPCS records"):
            run(folder)

    def test_older_release_imported_later_does_not_become_current(self):
        run(self.release("2031-jan", coverage_code="I"))
        run(self.release("2030-jan", coverage_code="C"))
        assert set(Code.objects.values_list("coverage_code", flat=True)) == {"I"}
        assert set(Code.objects.values_list("release__name", flat=True)) == {"2031-jan"}
        assert CodeVersion.objects.count() == 4

    def test_code_missing_from_newest_release_keeps_its_last_data(self):
        run(self.release("2030-jan", "X0001", "X0002"))
        run(self.release("2031-jan", "X0001"))
        gone = Code.objects.get(code="X0002")
        assert gone.release.name == "2030-jan"
        assert list(Code.objects.in_current_release().values_list("code", flat=True)) == ["X0001"]

    def test_release_name_option_overrides_file_names(self):
        path = self.release("2030-jan")
        run(path / "HCPC2030_JAN_ANWEB.txt", release="2029-jul")
        assert Release.objects.get().name == "2029-jul"

    def test_all_imports_every_release_folder_oldest_first(self):
        self.release("2031-jan", coverage_code="I")
        self.release("2030-jan", coverage_code="C")
        (self.tmp / "not-a-release").mkdir()
        with override_settings(HCPCS_DATA_DIR=self.tmp):
            out = run(all=True)
        assert out.index("2030-jan") < out.index("2031-jan")
        assert set(Code.objects.values_list("coverage_code", flat=True)) == {"I"}

    def test_all_stops_at_a_release_folder_that_is_not_whole_naming_it(self):
        self.release("2030-jan")
        broken = self.release("2031-jan")
        (broken / "HCPC2031_JAN_ANWEB_copy.txt").write_bytes(text_file(record_lines("X0001")))
        (self.tmp / "2032-jan").mkdir()
        with (
            override_settings(HCPCS_DATA_DIR=self.tmp),
            pytest.raises(CommandError, match=r"2031-jan: holds 2 ANWEB record files"),
        ):
            run(all=True)
        assert list(Release.objects.values_list("name", flat=True)) == ["2030-jan"]

    def test_latest_if_empty_imports_only_into_an_empty_database(self):
        self.release("2030-jan")
        self.release("2031-jan", "X0005")
        with override_settings(HCPCS_DATA_DIR=self.tmp):
            run(latest_if_empty=True)
            assert list(Release.objects.values_list("name", flat=True)) == ["2031-jan"]
            assert "already loaded" in run(latest_if_empty=True)

    def test_missing_path_is_a_clear_error(self):
        with pytest.raises(CommandError, match="no such file or folder"):
            run(self.tmp / "nowhere")

    def test_no_arguments_is_a_clear_error(self):
        with pytest.raises(CommandError, match="Give a path"):
            run()

    def test_url_must_be_http(self):
        with pytest.raises(CommandError, match="http"):
            run(url="file:///etc/passwd")


class DownloadTests(TestCase):
    @pytest.fixture(autouse=True)
    def _server(self, tmp_path):
        import functools
        import http.server
        import threading
        import zipfile

        with zipfile.ZipFile(tmp_path / "2030-Alpha-Numeric-HCPCS-File.zip", "w") as archive:
            archive.writestr("HCPC2030_CONTR_ANWEB.txt", text_file(record_lines("X0001")))

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                return None

            def do_GET(self):
                if self.path != "/unannounced.zip":
                    return super().do_GET()
                # No Content-Length: the size shows only while reading.
                self.send_response(200)
                self.end_headers()
                for _ in range(64):
                    self.wfile.write(bytes(4096))
                return None

        handler = functools.partial(Handler, directory=str(tmp_path))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        yield
        server.shutdown()

    def test_url_downloads_a_cms_zip_and_imports_it(self):
        import tempfile

        before = set(Path(tempfile.gettempdir()).glob("hcpcs-*"))
        out = run(url=f"{self.base}/2030-Alpha-Numeric-HCPCS-File.zip")
        assert "2030-jan: 1 records read" in out
        assert Code.objects.get().code == "X0001"
        assert set(Path(tempfile.gettempdir()).glob("hcpcs-*")) == before

    def test_download_announcing_more_than_the_bound_is_refused_unread(self):
        from unittest import mock

        with (
            mock.patch("codes.importer.locate.MAX_FILE_BYTES", 100),
            pytest.raises(CommandError, match=r"Refused to download .*: it announces \d+ bytes"),
        ):
            run(url=f"{self.base}/2030-Alpha-Numeric-HCPCS-File.zip")
        assert not Code.objects.exists()

    def test_download_growing_past_the_bound_is_cut_off(self):
        import tempfile
        from unittest import mock

        before = set(Path(tempfile.gettempdir()).glob("hcpcs-*"))
        with (
            mock.patch("codes.importer.locate.MAX_FILE_BYTES", 65536),
            pytest.raises(CommandError, match=r"Refused to download .*: it sent more than that"),
        ):
            run(url=f"{self.base}/unannounced.zip")
        assert set(Path(tempfile.gettempdir()).glob("hcpcs-*")) == before

    def test_url_that_fails_to_download_is_a_clear_error(self):
        with pytest.raises(CommandError, match="Could not download"):
            run(url=f"{self.base}/missing.zip")
