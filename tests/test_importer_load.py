"""load() and refresh_current(): every field the parser read reaches the database exactly."""

import pytest
from django.db import connection

from codes import importer
from codes.models import Code, CodeVersion
from tests.builders import parse_lines, record_lines

pytestmark = pytest.mark.django_db


def release(name: str, *records: list[str]) -> importer.ParsedRelease:
    name, effective = importer.parse_release_name(name)
    return importer.ParsedRelease(
        name=name,
        effective_date=effective,
        source_name=f"{name}.txt",
        sha256=name,
        records=parse_lines(*records),
    )


def stored(model, parsed: importer.ParsedRelease) -> dict:
    rows = (
        model.objects.filter(release__name=parsed.name) if model is CodeVersion else model.objects
    )
    return {(row["kind"], row["code"]): row for row in rows.values(*importer.record_columns())}


def expected(parsed: importer.ParsedRelease) -> dict:
    return {record.key: record.values() for record in parsed.records}


FULL = record_lines(
    "X0001",
    "Full record " * 12,
    "Full short",
    pricing_indicator_1="11",
    cim_reference_1="60-9",
    mcm_reference_2="2049",
    statute="1861S2",
    lab_certification_1="310",
    cross_reference_1="X9999",
    coverage_code="C",
    asc_group="YY",
    asc_effective_date="20200101",
    processing_note="0088",
    betos_code="Z2",
    type_of_service_1="9",
    anesthesia_base_units="5",
    date_added="20020101",
    action_effective_date="20030101",
    termination_date="20191231",
    action_code="D",
)
# Values CMS's layout does not allow: kept in `unparsed`, the typed column empty.
ODD = record_lines("X0002", asc_effective_date="2018011", anesthesia_base_units="1A")
MODIFIER = record_lines("GY", "Item excluded", "Excluded", modifier=True, date_added="19980101")


def test_every_field_reaches_the_codes_and_their_versions():
    parsed = release("2029-jan", FULL, ODD, MODIFIER)
    importer.load(parsed)
    assert stored(Code, parsed) == expected(parsed)
    assert stored(CodeVersion, parsed) == expected(parsed)
    assert expected(parsed)[("procedure", "X0002")]["unparsed"] == {
        "asc_effective_date": "2018011",
        "anesthesia_base_units": "1A",
    }
    lines = dict(CodeVersion.objects.values_list("code", "source_line"))
    assert lines == {r.code: r.source_line for r in parsed.records}


def test_codes_take_the_newest_release_whatever_the_loading_order():
    first = release("2029-jan", FULL, ODD, MODIFIER)
    newer = release(
        "2029-apr",
        record_lines("X0001", "Full record " * 12, "Changed short", coverage_code="I"),
        MODIFIER,
    )
    older = release("2028-oct", record_lines("X0001", "Old", "Old short"), ODD)
    importer.load(first)
    importer.load(newer)
    importer.load(older)
    current = stored(Code, first)
    assert current[("procedure", "X0001")] == expected(newer)[("procedure", "X0001")]
    assert current[("modifier", "GY")] == expected(newer)[("modifier", "GY")]
    # X0002 is missing from the newest release: it keeps the data it last had.
    assert current[("procedure", "X0002")] == expected(first)[("procedure", "X0002")]
    releases = dict(Code.objects.values_list("code", "release__name"))
    assert releases == {"X0001": "2029-apr", "GY": "2029-apr", "X0002": "2029-jan"}
    for parsed in (first, newer, older):
        assert stored(CodeVersion, parsed) == expected(parsed)

    importer.remove_release("2029-apr")
    current = stored(Code, first)
    assert current == expected(first)


def test_a_release_loaded_again_writes_nothing():
    parsed = release("2029-jan", FULL, ODD, MODIFIER)
    importer.load(parsed)
    before = list(CodeVersion.objects.values_list("pk", flat=True))
    stats = importer.load(parsed)
    assert (stats.created, stats.updated, stats.removed, stats.unchanged) == (0, 0, 0, 3)
    assert not stats.changed
    assert list(CodeVersion.objects.values_list("pk", flat=True)) == before


def test_a_reissued_file_that_blanks_a_date_or_fills_one_updates_the_code():
    importer.load(release("2029-jan", FULL, MODIFIER))
    # The same release again from a corrected file: only a nullable field differs.
    reissued = release(
        "2029-jan",
        [FULL[0][:284] + " " * 8 + FULL[0][292:], *FULL[1:]],
        record_lines("GY", "Item excluded", "Excluded", modifier=True),
    )
    assert reissued.records[0].termination_date is None
    reissued.sha256 = "reissued"
    stats = importer.load(reissued)
    assert stats.updated == 2
    assert stored(Code, reissued) == expected(reissued)
    importer.load(release("2029-jan", FULL, MODIFIER))
    assert stored(Code, reissued) == expected(release("2029-jan", FULL, MODIFIER))


@pytest.mark.postgresql
def test_a_load_leaves_no_pending_entries_in_the_search_indexes():
    # Entries waiting in a GIN index's pending list are read on every search.
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL: scripts/with-postgres.sh .venv/bin/python -m pytest")
    importer.load(release("2024-jan", FULL, MODIFIER))
    with connection.cursor() as cursor:
        for index in ("codes_code_search_vector_idx", "codes_code_short_trgm_idx"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            assert cursor.fetchone()[0] == 0, index
