from importlib import import_module

from django.test import TestCase
from django.urls import reverse
from django.utils.html import escape

from codes.models import ContactEntry
from codes.reference import ASC_GROUP_BLANK_MEANING, CODE_TABLES, FIELD_DOCS

# The contact entries a fresh database starts with are the data of their migration.
CONTACT_DEFAULTS = import_module("codes.migrations.0003_contact_entries").CONTACT_DEFAULTS


class GlossaryPageTests(TestCase):
    def setUp(self):
        self.response = self.client.get(reverse("codes:glossary"))

    def test_every_field_has_an_anchor_with_its_full_explanation(self):
        for doc in FIELD_DOCS.values():
            self.assertContains(self.response, f'<h3 id="{doc.name}">{escape(doc.label)}</h3>')
            self.assertContains(self.response, escape(doc.full))
            self.assertContains(self.response, f"Positions {doc.positions}")

    def test_every_code_table_lists_all_its_values(self):
        for name, entries in CODE_TABLES.items():
            self.assertContains(self.response, f'id="table-{name}"')
            for value, meaning in entries.items():
                self.assertContains(
                    self.response,
                    f'<tr><td class="code">{escape(value)}</td><td>{escape(meaning)}</td></tr>',
                )

    def test_blank_asc_group_rule_is_listed(self):
        self.assertContains(self.response, escape(ASC_GROUP_BLANK_MEANING))

    def test_fields_link_to_the_table_of_their_values(self):
        self.assertContains(self.response, 'href="#table-coverage"')

    def test_page_has_title_canonical_and_one_query_for_the_footer(self):
        self.assertContains(self.response, "<title>Glossary of HCPCS record fields")
        self.assertContains(
            self.response, '<link rel="canonical" href="http://testserver/glossary/">', html=True
        )
        with self.assertNumQueries(1):
            self.client.get(reverse("codes:glossary"))


class ContactPageTests(TestCase):
    def test_contact_page_lists_the_seeded_contact_entries(self):
        response = self.client.get(reverse("codes:contact"))

        for entry in CONTACT_DEFAULTS:
            self.assertContains(response, escape(entry["label"]))
            self.assertContains(response, escape(entry["value"]))
        self.assertContains(response, '<a href="tel:+18777351326">(877) 735-1326</a>', html=True)

    def test_contact_page_follows_the_data_not_the_template(self):
        ContactEntry.objects.all().delete()
        ContactEntry.objects.create(label="Help desk", value="help@example.org", kind="email")

        response = self.client.get(reverse("codes:contact"))

        self.assertContains(response, '<a href="mailto:help@example.org">help@example.org</a>')
        self.assertNotContains(response, "PDAC toll-free helpline")
