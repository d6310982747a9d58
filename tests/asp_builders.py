"""ASP drug pricing files in CMS's shapes, with values chosen by each test (never CMS excerpts)."""

from __future__ import annotations

import io
from pathlib import Path

PRICING_HEADER = [
    "HCPCS Code",
    "Short Description",
    "HCPCS Code Dosage",
    "Payment Limit",
    "Co-insurance Percentage",
    "Vaccine AWP%",
    "Vaccine Limit",
    "Blood AWP%",
    "Blood limit",
    "Clotting Factor",
    "Notes",
]
CROSSWALK_HEADER = [
    "_2031_CODE",
    "Short Description",
    "LABELER NAME",
    "NDC2",
    "Drug Name",
    "HCPCS dosage",
    "PKG SIZE",
    "PKG QTY",
    "BILLUNITS",
    "BILLUNITSPKG",
]
NOC_PRICING_HEADER = ["Drug Generic Name (Trade Name)", "Dosage", "Payment Limit", "Notes"]
NOC_CROSSWALK_HEADER = [
    "Drug Generic Name",
    "LABELER NAME",
    "NDC or ALTERNATE ID",
    "Drug Name",
    "Dosage",
    "PKG SIZE",
    "PKG QTY",
    "BILLUNITS",
    "BILLUNITSPKG",
]
CAVEAT = (
    "Note 2: The absence or presence of a test code in this table does not indicate "
    "whether the test plan covers a drug."
)


def preamble(title: str, period: str = "Effective April 1, 2031 through June 30, 2031") -> list:
    return [[title], [], [period], [], ["Note 1: Test limits."], [CAVEAT], [], []]


def price_row(code: str, limit: str = "10.500", **cells: str) -> list[str]:
    row = dict.fromkeys(PRICING_HEADER, "")
    row.update({"HCPCS Code": code, "Short Description": f"Test drug {code}"})
    row.update({"HCPCS Code Dosage": "1 MG", "Payment Limit": limit})
    row["Co-insurance Percentage"] = "20.000"
    row.update({k.replace("_", " "): v for k, v in cells.items()})
    return [row[h] for h in PRICING_HEADER]


def package_row(code: str, ndc: str, name: str = "Testdrug", units: str = "100") -> list[str]:
    return [code, f"Test drug {code}", "Test Labs LLC", ndc, name, "1 MG", "4", "1", units, units]


def pricing_rows(*rows: list[str], period: str | None = None) -> list[list[str]]:
    args = (period,) if period else ()
    return [*preamble("Payment Allowance Limits for Test Drugs", *args), PRICING_HEADER, *rows]


def crosswalk_rows(*rows: list[str]) -> list[list[str]]:
    return [
        *preamble("April 2031 ASP NDC - HCPCS Crosswalk for Test Drugs"),
        CROSSWALK_HEADER,
        *rows,
    ]


def csv_bytes(rows: list[list[str]], pad_to: int = 0) -> bytes:
    """CRLF, cp1252, quoted where needed, padded with empty cells as CMS pads its files."""
    lines = []
    for row in rows:
        cells = list(row) + [""] * max(0, pad_to - len(row))
        lines.append(",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append([_number_or_text(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(rows: list[list]) -> bytes:
    """A legacy Excel 97-2003 workbook, the format of CMS's older and zipped files."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("ASP")
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            sheet.write(r, c, _number_or_text(cell))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number_or_text(cell):
    try:
        return float(cell) if cell and not cell[0].isalpha() and "-" not in cell else cell
    except ValueError:
        return cell


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def make_dataset(kind: str = "asp_pricing", quarter: str = "2031-apr", **fields):
    """A saved DrugDataset whose period follows the quarter name."""
    from codes.importer import parse_release_name
    from codes.models import DrugDataset

    _, start = parse_release_name(quarter)
    defaults = {
        "effective_start": start,
        "title_rows": f"Test file\n{CAVEAT}",
        "source_name": f"{kind}.csv",
        "sha256": "0" * 64,
    }
    return DrugDataset.objects.create(kind=kind, quarter=quarter, **{**defaults, **fields})


def make_price(dataset, code: str = "J0001", limit: str | None = "10.500", **fields):
    from codes.models import AspPrice

    defaults = {
        "short_description": f"Test drug {code}",
        "dosage": "1 MG",
        "coinsurance_percent": "20.000",
        "source_row": 10,
    }
    return AspPrice.objects.create(
        dataset=dataset, hcpcs_code=code, payment_limit=limit, **{**defaults, **fields}
    )


def make_packages(dataset, code: str = "J0001", count: int = 1, name: str = "Testdrug"):
    from codes.models import NdcPackage

    return NdcPackage.objects.bulk_create(
        NdcPackage(
            dataset=dataset,
            hcpcs_code=code,
            short_description=f"Test drug {code}",
            labeler_name="Test Labs LLC",
            ndc=f"12345-{n:04d}-01",
            ndc11=f"12345{n:04d}01",
            drug_name=name,
            hcpcs_dosage="1 MG",
            package_size="4",
            package_quantity="1",
            billing_units="100",
            billing_units_per_package="100",
            source_row=10 + n,
        )
        for n in range(count)
    )
