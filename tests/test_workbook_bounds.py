"""An .xlsx record file is a zip: its parts are inflated within the bound, whatever they declare."""

from __future__ import annotations

import io
import struct
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from codes import importer
from codes.importer.locate import check_workbook_parts
from codes.importer.parse import check_workbook_size
from tests.builders import workbook_bytes
from tests.dbstate import database_dump

SHEET = "xl/worksheets/sheet1.xml"
ROW = {"code": "X0001", "record_id": "3", "long_description": "Test", "short_description": "T"}


def with_long_text(workbook: bytes, part: str, length: int) -> bytes:
    """The workbook with the long description in `part` made `length` characters long."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                data = data.replace(b"<t>Test</t>", b"<t>" + b"A" * length + b"</t>")
            target.writestr(info.filename, data)
    return out.getvalue()


def declaring(workbook: bytes, part: str, size: int) -> bytes:
    """The workbook with `part`'s uncompressed size in both zip headers replaced by `size`."""
    data = bytearray(workbook)
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        local = archive.getinfo(part).header_offset
    struct.pack_into("<I", data, local + 22, size)
    (directory,) = struct.unpack_from("<I", data, len(data) - 6)
    at = directory
    while data[at : at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == part.encode():
            struct.pack_into("<I", data, at + 24, size)
        at += 46 + name_length + extra_length + comment_length
    return bytes(data)


def files(record_bytes: bytes) -> importer.ReleaseFiles:
    return importer.ReleaseFiles("HCPC2030_JAN_ANWEB.xlsx", record_bytes)


class WorkbookPartTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 60 MB of text that compresses to a few hundred kilobytes, declared as 1,000 bytes.
        big = with_long_text(workbook_bytes([ROW]), SHEET, 60 << 20)
        cls.lying = declaring(big, SHEET, 1000)

    def test_the_crafted_part_passes_the_declared_size_check(self):
        assert len(self.lying) < 1 << 20
        with zipfile.ZipFile(io.BytesIO(self.lying)) as archive:
            assert archive.getinfo(SHEET).file_size == 1000
        check_workbook_size(self.lying, "HCPC2030_JAN_ANWEB.xlsx")

    def test_part_lying_about_its_size_is_refused_by_what_it_inflates_to(self):
        with pytest.raises(importer.ImportFailure) as refused:
            check_workbook_parts(files(self.lying))
        assert str(refused.value).startswith(
            f"HCPC2030_JAN_ANWEB.xlsx: {SHEET}: the workbook inflates past the bound "
            "here, more than the 50 MB an import reads"
        )

    def test_import_of_the_crafted_workbook_is_refused_and_changes_nothing(self):
        folder = self.tmp / "2030-jan"
        folder.mkdir()
        (folder / "HCPC2030_JAN_ANWEB.xlsx").write_bytes(self.lying)
        before = database_dump()
        with pytest.raises(CommandError, match=rf"{SHEET}: the workbook inflates past"):
            call_command("import_hcpcs", str(folder), stdout=StringIO(), stderr=StringIO())
        assert database_dump() == before

    def test_honest_workbook_and_text_files_pass(self):
        check_workbook_parts(files(workbook_bytes([ROW])))
        check_workbook_parts(importer.ReleaseFiles("HCPC2030_JAN_ANWEB.txt", b"not a zip"))

    def test_parts_counted_together_against_the_bound(self):
        honest = with_long_text(workbook_bytes([ROW]), SHEET, 30 << 20)
        with zipfile.ZipFile(io.BytesIO(honest)) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as twice:
            for name, data in parts.items():
                twice.writestr(name, data)
            twice.writestr("xl/worksheets/sheet2.xml", parts[SHEET])
        with pytest.raises(importer.ImportFailure, match=r"sheet2\.xml: the workbook"):
            check_workbook_parts(files(out.getvalue()))

    def test_damaged_part_is_a_message(self):
        damaged = bytearray(workbook_bytes([ROW]))
        with zipfile.ZipFile(io.BytesIO(bytes(damaged))) as archive:
            info = archive.getinfo(SHEET)
        start = info.header_offset + 30 + len(info.filename)
        damaged[start : start + 16] = bytes(16)
        with pytest.raises(importer.ImportFailure, match="cannot be read from the workbook"):
            check_workbook_parts(files(bytes(damaged)))
