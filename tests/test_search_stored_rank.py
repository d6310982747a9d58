"""The parts of a code's rank that do not depend on the query, stored per code on
PostgreSQL (migration 0011), hold what scoring.py's constants say, and rank as before."""

from datetime import date
from unittest import skipUnless

import pytest
from django.db import connection
from django.test import TestCase

from codes.models import Code
from codes.search import scoring
from tests.builders import make_code

STORED_COLUMNS = ("unspecified_penalty", "biosimilar_penalty", "age_bonus")

DESCRIPTIONS = {
    "E1001": ("Wheelchair, standard", date(1994, 1, 1)),
    "E1002": ("Wheelchair accessory, NOT OTHERWISE specified", date(2006, 10, 1)),
    "E1003": ("Wheelchair part, not otherwise classified", None),
    "Q5101": ("Injection, filgrastim-sndz, biosimilar, (zarxio), 1 microgram", date(2016, 1, 1)),
    "J1442": ("Injection, filgrastim (g-csf), excludes biosimilars, 1 microgram", None),
    "J2506": ("Injection, pegfilgrastim, excludes biosimilar, 0.5 mg", date(2019, 1, 1)),
    "J9999": ("Injection, Biosimilar product, not biosimilar to any reference", date(2020, 7, 1)),
}


def expected_terms(long_description: str, added: date | None) -> tuple[int, int, float]:
    """What scoring.py's penalties and age term give a code, computed in Python."""
    text = long_description.lower()
    unspecified = scoring.UNSPECIFIED_PENALTY if "not otherwise" in text else 0
    biosimilar_other = (
        "biosimilar" in text and "excludes biosimilar" not in text and "not biosimilar" not in text
    )
    biosimilar = scoring.BIOSIMILAR_PENALTY if biosimilar_other else 0
    year = added.year if added else scoring.AGE_REFERENCE_YEAR
    age = scoring.AGE_WEIGHT * (scoring.AGE_REFERENCE_YEAR - year) / 10.0
    return unspecified, biosimilar, age


def column_names() -> set[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, Code._meta.db_table)
    return {column.name for column in description}


class StoredRankTermsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for code, (long_description, added) in DESCRIPTIONS.items():
            make_code(code, long_description=long_description, date_added=added)

    @skipUnless(connection.vendor == "postgresql", "the stored terms exist on PostgreSQL only")
    def test_each_code_stores_the_penalties_and_age_term_scoring_gives_it(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT code, {', '.join(STORED_COLUMNS)} FROM {Code._meta.db_table}"  # noqa: S608
            )
            stored = {code: tuple(terms) for code, *terms in cursor.fetchall()}
        expected = {code: expected_terms(*row) for code, row in DESCRIPTIONS.items()}
        assert stored == expected

    @skipUnless(connection.vendor == "postgresql", "the stored terms exist on PostgreSQL only")
    def test_an_edited_code_has_its_stored_terms_recomputed(self):
        Code.objects.filter(code="E1001").update(
            long_description="Wheelchair, not otherwise specified", date_added=date(2030, 1, 1)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT unspecified_penalty, age_bonus FROM {Code._meta.db_table} "  # noqa: S608
                "WHERE code = 'E1001'"
            )
            assert cursor.fetchone() == (scoring.UNSPECIFIED_PENALTY, 0.0)

    @skipUnless(connection.vendor == "sqlite", "SQLite computes the terms in its ranked query")
    def test_sqlite_has_no_stored_terms(self):
        assert not column_names() & set(STORED_COLUMNS)

    def test_a_specific_code_ranks_before_an_older_not_otherwise_specified_one(self):
        make_code(
            "E1010", long_description="Walker, not otherwise specified", date_added=date(1994, 1, 1)
        )
        make_code("E1011", long_description="Walker, folding", date_added=date(2020, 1, 1))
        assert [c.code for c in Code.objects.search("walker")] == ["E1011", "E1010"]

    def test_of_the_same_words_the_older_code_ranks_first(self):
        for code, added in (("E1020", date(2010, 1, 1)), ("E1021", date(1994, 1, 1))):
            make_code(
                code,
                short_description="Commode chair",
                long_description="Commode chair, stationary",
                date_added=added,
            )
        ranked = list(Code.objects.search("commode"))
        assert [c.code for c in ranked] == ["E1021", "E1020"]
        assert ranked[0].rank - ranked[1].rank == pytest.approx(1.6)
