"""Test data in the CMS formats, with values chosen by each test (never CMS excerpts)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import date
from pathlib import Path

from codes import importer
from codes.importer.parse import TEXT_LAYOUT, WORKBOOK_COLUMNS
from codes.layout import glossary_key as glossary_key


def record_lines(
    code: str,
    long_description: str = "Test description",
    short_description: str = "Test short",
    *,
    modifier: bool = False,
    sequence: int = 100,
    **fields: str,
) -> list[str]:
    """The fixed-width lines (320 characters) of one record; fields use model column names."""
    code_field = f"   {code}" if modifier else code
    first_id, more_id = ("7", "8") if modifier else ("3", "4")
    pieces = [long_description[i : i + 80] for i in range(0, len(long_description), 80)] or [""]
    line = list(f"{code_field:<5}{sequence:05d}{first_id}{pieces[0]:<80}{short_description:<28}")
    line += [" "] * (320 - len(line))
    for column, first, last in TEXT_LAYOUT:
        value = fields.pop(column, "")
        width = last - first + 1
        if column == "anesthesia_base_units" and value != "":
            value = str(value).rjust(width)
        line[first - 1 : last] = list(f"{value:<{width}}"[:width])
    assert not fields, f"unknown columns: {sorted(fields)}"
    lines = ["".join(line)]
    for n, piece in enumerate(pieces[1:], start=2):
        seq = sequence * n if sequence else 0
        lines.append(f"{code_field:<5}{seq:05d}{more_id}{piece:<80}".ljust(320))
    return lines


def text_file(*records: list[str], header: list[str] | None = None, newline: str = "\r\n") -> bytes:
    lines = [*(header or []), *[line for record in records for line in record]]
    return (newline.join(lines) + newline).encode("cp1252")


def workbook_bytes(rows: list[dict], *, header_row: int = 1, drop: tuple[str, ...] = ()) -> bytes:
    """An .xlsx like CMS's: optional disclaimer rows, then the header, then one row per record."""
    from openpyxl import Workbook

    headings = [h for h in WORKBOOK_COLUMNS if h not in drop]
    column_of = {v: k for k, v in WORKBOOK_COLUMNS.items()}
    book = Workbook()
    sheet = book.active
    sheet.title = "A"
    for n in range(1, header_row):
        sheet.append([f"***Disclaimer line {n}"] if n == 1 else [])
    sheet.append(headings)
    for row in rows:
        values = dict(row)
        sheet.append([values.get(_column(h, column_of), "") for h in headings])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(heading: str, column_of: dict) -> str:
    return WORKBOOK_COLUMNS[heading]


def parse_lines(*records: list[str]) -> list[importer.CodeRecord]:
    return list(importer.parse_text(text_file(*records), "test.txt"))


def make_code(code: str = "A0001", *, release=None, **fields):
    """A saved Code (and its version) with sensible defaults; fields use model column names."""
    from codes.models import Code, CodeVersion, Release

    if release is None:
        release, _ = Release.objects.get_or_create(
            name="2030-jan",
            defaults={
                "effective_date": date(2030, 1, 1),
                "source_name": "test",
                "sha256": "0" * 64,
            },
        )
    defaults = {
        "kind": "modifier" if len(code) == 2 else "procedure",
        "sequence_number": "00100",
        "long_description": f"Long description of {code}",
        "short_description": f"Short {code}",
        "action_code": "N",
    }
    values = {**defaults, **fields}
    obj = Code.objects.create(code=code, release=release, **values)
    CodeVersion.objects.create(code=code, release=release, code_ref=obj, source_line=1, **values)
    from codes.search import rebuild_index

    rebuild_index()
    return obj


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def write_zip_bomb(
    path: Path,
    member: str,
    inflated_bytes: int,
    *,
    declared_bytes: int | None = None,
    fill: bytes = b"\x00",
) -> None:
    """A zip of one deflated member that inflates to `inflated_bytes` bytes of `fill`
    (under 4 GiB), written in a fraction of a second and a few megabytes.

    One chunk of zeros is compressed once and its deflate block repeated: a full flush
    makes each block independent of the ones before, so the repeats form a valid stream.
    `declared_bytes` writes a different uncompressed size into the headers (a lying zip).
    """
    chunk = 1 << 20
    assert inflated_bytes % chunk == 0 and inflated_bytes < 1 << 32
    zeros = fill * chunk
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    count = inflated_bytes // chunk
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    compressed = len(first) + len(block) * (count - 1) + len(end)
    size = inflated_bytes if declared_bytes is None else declared_bytes
    name = member.encode()
    # version 20, no flags, deflate, DOS time 00:00 of 1980-01-01.
    fields = (20, 0, 8, 0, 0x21, crc, compressed, size, len(name))
    with path.open("wb") as out:
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name)
        out.write(first)
        for _ in range(count - 1):
            out.write(block)
        out.write(end)
        directory_at = out.tell()
        entry = struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIH", *fields)
        entry += struct.pack("<HHHHII", 0, 0, 0, 0, 0, 0) + name
        out.write(entry)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(entry), directory_at, 0))
