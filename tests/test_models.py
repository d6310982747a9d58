from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import TestCase

from codes.models import (
    CmsRecord,
    Code,
    CodeVersion,
    ContactEntry,
    ProcessingNote,
    Release,
)
from codes.reference import FIELD_DOCS
from tests.builders import glossary_key, make_code


class CodeModelTests(TestCase):
    def test_str_is_code_and_short_description(self):
        assert str(make_code("X0001", short_description="Test thing")) == "X0001 Test thing"

    def test_procedure_and_modifier_urls_differ(self):
        assert make_code("X0001").get_absolute_url() == "/codes/X0001/"
        assert make_code("ZZ").get_absolute_url() == "/modifiers/ZZ/"

    def test_same_characters_may_be_a_procedure_and_a_modifier(self):
        make_code("X0001")
        make_code("X0001", kind="modifier")
        assert Code.objects.filter(code="X0001").count() == 2

    def test_repeated_fields_keep_their_order_and_drop_blanks(self):
        code = make_code("X0001", pricing_indicator_1="11", pricing_indicator_3="51")
        assert code.pricing_indicators == ["11", "51"]

    def test_querysets_split_kind_and_status(self):
        from datetime import date

        make_code("X0001")
        make_code("X0002", termination_date=date(2020, 1, 1))
        make_code("ZZ")
        assert list(Code.objects.procedures().active().values_list("code", flat=True)) == ["X0001"]
        assert list(Code.objects.terminated().values_list("code", flat=True)) == ["X0002"]
        assert list(Code.objects.modifiers().values_list("code", flat=True)) == ["ZZ"]


def test_every_record_column_has_a_glossary_entry():
    for field in CmsRecord._meta.get_fields():
        if field.name == "unparsed":
            continue
        assert glossary_key(field.name) in FIELD_DOCS, field.name


def test_contact_information_is_seeded_as_data(db):
    entries = list(ContactEntry.objects.values_list("kind", "value"))
    assert ("email", "HCPCS@cms.hhs.gov") in entries
    assert ("phone", "(877) 735-1326") in entries
    assert ContactEntry.objects.get(kind="phone").href == "tel:+18777351326"


class AdminTests(TestCase):
    def test_every_model_is_registered(self):
        for model in (Release, Code, CodeVersion, ProcessingNote, ContactEntry):
            assert admin.site.is_registered(model), model

    def test_admin_requires_login(self):
        response = self.client.get(f"/{settings.ADMIN_PATH}")
        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_cms_data_is_read_only_and_searchable_in_the_admin(self):
        make_code("X0001", short_description="Searchable thing")
        user = User.objects.create_superuser("admin", "a@example.com", "pw")
        self.client.force_login(user)
        base = f"/{settings.ADMIN_PATH}codes/code/"
        response = self.client.get(base, {"q": "Searchable"})
        assert response.status_code == 200
        assert b"X0001" in response.content
        assert self.client.get(f"{base}add/").status_code == 403
        contact = self.client.get(f"/{settings.ADMIN_PATH}codes/contactentry/add/")
        assert contact.status_code == 200


class ReleaseQuerySetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        from datetime import date

        def release(name, day):
            return Release.objects.create(name=name, effective_date=day, source_name="x")

        cls.april = release("2025-apr", date(2025, 4, 1))
        cls.january = release("2025-jan", date(2025, 1, 1))
        cls.october = release("2025-oct", date(2025, 10, 1))

    def test_the_current_release_is_the_newest(self):
        assert Release.objects.current() == self.october
        assert Release.objects.exclude(pk=self.october.pk).current() == self.april

    def test_no_release_is_current_in_an_empty_database(self):
        assert Release.objects.none().current() is None

    def test_releases_in_order_and_nearest_to_a_date(self):
        assert list(Release.objects.oldest_first()) == [self.january, self.april, self.october]
        assert list(Release.objects.newest_first())[0] == self.october
        assert Release.objects.nearest_before(self.april.effective_date) == self.january
        assert Release.objects.nearest_after(self.april.effective_date) == self.october
        assert Release.objects.nearest_after(self.october.effective_date) is None
