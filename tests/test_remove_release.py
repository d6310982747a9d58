"""Import order does not matter, and removing a release undoes its import exactly."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from codes import importer
from codes.models import CmsRecord, Code, CodeVersion, Kind, ProcessingNote, Release
from tests.realdata import load_releases, parsed_release

pytestmark = pytest.mark.integration


def snapshot(*, with_code_ids: bool = False) -> dict:
    """Every row that an import writes, keyed by natural keys (row ids differ by order)."""
    columns = CmsRecord.record_field_names()
    codes = {
        (row["kind"], row["code"]): row
        for row in Code.objects.values(
            *columns, "release__name", *(["pk"] if with_code_ids else [])
        )
    }
    versions = {
        (row["release__name"], row["kind"], row["code"]): row
        for row in CodeVersion.objects.values(
            *columns, "release__name", "source_line", "code_ref__kind", "code_ref__code"
        )
    }
    return {
        "releases": list(
            Release.objects.order_by("name").values(
                "name",
                "effective_date",
                "source_name",
                "sha256",
                "procedure_count",
                "modifier_count",
            )
        ),
        "codes": codes,
        "versions": versions,
        "notes": sorted(ProcessingNote.objects.values_list("release__name", "number", "text")),
    }


def forget_everything() -> None:
    Code.objects.all().delete()
    Release.objects.all().delete()


class ImportOrderTests(TestCase):
    def test_loading_2019_then_2017_gives_the_same_database_as_2017_then_2019(self):
        load_releases("2017-jan", "2019-jan")
        in_order = snapshot()
        forget_everything()
        load_releases("2019-jan", "2017-jan")
        reversed_order = snapshot()
        assert reversed_order["codes"] == in_order["codes"]
        assert reversed_order["versions"] == in_order["versions"]
        assert reversed_order == in_order

    def test_importing_an_older_release_after_a_newer_one_keeps_the_newer_current(self):
        load_releases("2019-jan", "2017-jan")
        a9273 = Code.objects.get(kind=Kind.PROCEDURE, code="A9273")
        assert a9273.release.name == "2019-jan"
        assert a9273.long_description.startswith("Cold or hot fluid bottle")
        # Listed in 2017 only: its page keeps the 2017 data.
        assert Code.objects.get(kind=Kind.PROCEDURE, code="C1204").release.name == "2017-jan"

    def test_importing_a_release_again_changes_nothing(self):
        load_releases("2018-jan", "2019-jan")
        before = snapshot(with_code_ids=True)
        stats = importer.load(parsed_release("2018-jan"))
        assert not stats.changed
        assert snapshot(with_code_ids=True) == before


class RemoveReleaseTests(TestCase):
    def assert_removal_restores(self, loaded: tuple[str, ...], extra: str) -> None:
        load_releases(*loaded)
        before = snapshot(with_code_ids=True)
        load_releases(extra)
        assert snapshot(with_code_ids=True) != before
        importer.remove_release(extra)
        after = snapshot(with_code_ids=True)
        assert after["codes"] == before["codes"]
        assert after["versions"] == before["versions"]
        assert after == before

    def test_removing_the_newest_release_restores_the_state_before_it(self):
        self.assert_removal_restores(("2017-jan", "2018-jan"), "2019-jan")

    def test_removing_a_middle_release_restores_the_state_before_it(self):
        self.assert_removal_restores(("2017-jan", "2019-jan"), "2018-jan")

    def test_removing_the_oldest_release_restores_the_state_before_it(self):
        self.assert_removal_restores(("2018-jan",), "2017-jan")

    def test_removing_the_only_release_empties_the_database(self):
        load_releases("2019-jan")
        importer.remove_release("2019-jan")
        assert not Release.objects.exists()
        assert not Code.objects.exists()
        assert not CodeVersion.objects.exists()

    def test_command_removes_a_release_and_names_it(self):
        load_releases("2018-jan", "2019-jan")
        out = StringIO()
        call_command("remove_release", "2019-jan", stdout=out)
        assert "2019-jan: removed" in out.getvalue()
        assert list(Release.objects.values_list("name", flat=True)) == ["2018-jan"]
        da = Code.objects.get(kind=Kind.MODIFIER, code="DA")
        assert da.release.name == "2018-jan"

    def test_command_refuses_an_unknown_release(self):
        load_releases("2019-jan")
        with pytest.raises(CommandError, match="No release named '2030-jan'.*loaded: 2019-jan"):
            call_command("remove_release", "2030-jan", stdout=StringIO())
