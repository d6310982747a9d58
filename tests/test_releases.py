"""The release pages, their CSV and JSON exports, and the history on code pages."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.realdata import RealDataTestCase

pytestmark = pytest.mark.integration


class ReleasePagesTests(RealDataTestCase):
    releases = ("2017-jan", "2018-jan", "2019-jan")

    def detail(self, name: str = "2019-jan", **params):
        return self.client.get(reverse("codes:release_detail", args=[name]), params)

    def test_release_list_shows_every_release_with_its_counts(self):
        response = self.client.get(reverse("codes:releases"))
        assert response.status_code == 200
        self.assertContains(
            response,
            '<th scope="row"><a href="/releases/2019-jan/">2019-jan</a></th>',
            html=True,
        )
        row = response.content.decode().split("/releases/2019-jan/")[1].split("</tr>")[0]
        for number in ("6,440", "360", "244", "49", "3"):
            assert f'<td class="num">{number}</td>' in row
        self.assertContains(response, "Oldest release loaded")

    def test_release_list_json_and_csv(self):
        data = self.client.get(reverse("codes:releases"), {"format": "json"}).json()
        assert [r["release"] for r in data] == ["2019-jan", "2018-jan", "2017-jan"]
        assert data[1] | {"changed": None} == {
            "release": "2018-jan",
            "effective_date": "2018-01-01",
            "procedure_codes": 6205,
            "modifiers": 354,
            "previous_release": "2017-jan",
            "added": 168,
            "terminated": 43,
            "disappeared": 107,
            "changed": None,
        }
        response = self.client.get(reverse("codes:releases"), {"format": "csv"})
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert rows[0]["release"] == "2019-jan" and rows[0]["added"] == "244"

    def test_release_list_queries_do_not_grow_with_releases(self):
        cache.clear()
        with self.assertNumQueries(4):
            self.client.get(reverse("codes:releases"))
        # The counts of each pair of releases are kept until either release changes.
        with self.assertNumQueries(2):
            self.client.get(reverse("codes:releases"))

    def test_release_detail_lists_each_kind_of_change(self):
        response = self.detail()
        assert response.status_code == 200
        self.assertContains(response, '<h2 id="added">Added (244)</h2>', html=True)
        self.assertContains(response, '<h2 id="terminated">Newly terminated (49)</h2>', html=True)
        self.assertContains(response, '<h2 id="disappeared">No longer listed (3)</h2>', html=True)
        self.assertContains(
            response, '<summary id="field-long_description">Long description (114)</summary>'
        )
        self.assertContains(
            response, '<summary id="field-short_description">Short description (101)</summary>'
        )
        self.assertContains(response, '<a class="code" href="/modifiers/DA/">DA</a>', html=True)
        self.assertContains(response, "<del>Hot water</del> <ins>Cold or hot fluid</ins>")

    def test_release_detail_filters_by_section_letter(self):
        response = self.detail(section="G")
        assert response.status_code == 200
        content = response.content.decode()
        assert 'href="/codes/G9976/"' in content
        assert 'href="/codes/A9273/"' not in content
        assert 'href="/modifiers/DA/"' not in content

    def test_release_detail_filters_by_section(self):
        slug = "procedures-professional-services-temporary"
        response = self.detail(section=slug)
        content = response.content.decode()
        assert 'href="/codes/G9976/"' in content
        assert 'href="/codes/A9273/"' not in content
        self.assertContains(
            response,
            f'<option value="{slug}" selected>Procedures / professional services (temporary)'
            "</option>",
            html=True,
        )

    def test_release_detail_filters_modifiers(self):
        data = self.detail(section="modifiers", format="json").json()
        assert [c["code"] for c in data["disappeared"]] == ["DA"]
        assert all(c["kind"] == "modifier" for c in data["added"])

    def test_unknown_section_shows_everything_with_a_note(self):
        response = self.detail(section="<zz>")
        assert response.status_code == 200
        self.assertContains(response, "There is no section “&lt;zz&gt;”")
        self.assertContains(response, '<h2 id="added">Added (244)</h2>', html=True)

    def test_json_export_lists_the_changes(self):
        response = self.detail(format="json")
        assert response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert data["release"] == "2019-jan" and data["previous_release"] == "2018-jan"
        assert len(data["added"]) == 244
        assert len(data["terminated"]) == 49
        assert [c["code"] for c in data["disappeared"]] == ["G9976", "G9977", "DA"]
        assert len(data["changed"]["long_description"]) == 114
        a9273 = next(c for c in data["changed"]["long_description"] if c["code"] == "A9273")
        assert a9273["old"].startswith("Hot water bottle")
        assert a9273["new"].startswith("Cold or hot fluid bottle")

    def test_csv_export_has_one_row_per_change(self):
        response = self.detail(format="csv", section="G")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="hcpcs-2019-jan-changes-G.csv"' in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert {r["code"][0] for r in rows} == {"G"}
        gone = [r["code"] for r in rows if r["change"] == "disappeared"]
        assert gone == ["G9976", "G9977"]
        long = [r for r in rows if r["change"] == "changed" and r["field"] == "Long description"]
        assert long and all(r["old"] != r["new"] for r in long)

    def test_oldest_release_has_nothing_to_compare(self):
        response = self.detail("2017-jan")
        assert response.status_code == 200
        self.assertContains(response, "oldest release loaded")

    def test_unknown_release_is_404(self):
        assert self.detail("2099-jan").status_code == 404

    def test_unknown_format_gives_the_page(self):
        response = self.detail(format="xml")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")

    def test_release_detail_queries_are_constant(self):
        with self.assertNumQueries(4):
            self.detail()
        with self.assertNumQueries(4):
            self.detail(section="G", format="csv")

    def test_code_page_of_a_code_no_longer_listed_shows_last_seen_and_history(self):
        response = self.client.get(reverse("codes:modifier_detail", args=["DA"]))
        assert response.status_code == 200
        self.assertContains(response, "not in the current release")
        self.assertContains(response, 'last seen in <a href="/releases/2018-jan/">2018-jan</a>')
        self.assertContains(response, '<h2 id="history-heading">History</h2>', html=True)
        self.assertContains(
            response, '<span class="badge badge-disappeared">No longer listed</span>', html=True
        )

    def test_code_page_history_shows_the_description_diff(self):
        response = self.client.get(reverse("codes:detail", args=["A9273"]))
        assert response.status_code == 200
        self.assertContains(response, "<del>Hot water</del> <ins>Cold or hot fluid</ins>")
        self.assertNotContains(response, "last seen in")


class ReleaseTruthTests(RealDataTestCase):
    """What a release page compares, and how terminations are dated."""

    releases = ("2017-jan", "2018-jan", "2019-jan")

    def detail(self, name: str, **params):
        return self.client.get(reverse("codes:release_detail", args=[name]), params)

    def test_names_the_release_compared_with_and_the_quarters_not_loaded(self):
        response = self.detail("2019-jan")

        self.assertContains(response, 'Compared with <a href="/releases/2018-jan/">2018-jan</a>')
        self.assertContains(
            response, "<strong>3 quarterly releases between them are not loaded</strong>"
        )
        self.assertContains(response, "2018-apr, 2018-jul, 2018-oct")

    def test_oldest_release_has_no_missing_releases_notice(self):
        self.assertNotContains(self.detail("2017-jan"), "not loaded</strong>")

    def test_code_added_and_terminated_in_the_same_release_is_labelled(self):
        response = self.detail("2019-jan")
        changes = response.context["changes"]
        both = [c for c in changes.terminated if c.added_here]

        assert len(both) == changes.terminated_when_added > 0
        self.assertContains(response, "added already terminated, ends")
        self.assertContains(
            response, '<span class="badge badge-added">added in this release</span>'
        )

    def test_action_codes_are_explained_inline(self):
        self.assertContains(
            self.detail("2019-jan"),
            '<span class="code">A</span> Add procedure or modifier code',
        )

    def test_changes_are_grouped_by_section_in_collapsible_groups(self):
        response = self.detail("2019-jan")

        self.assertContains(response, "<summary>Procedures / professional services (temporary) (")
        assert len(response.content) < 200_000

    def test_cpt_cross_references_are_text_marked_cpt_not_links(self):
        response = self.detail("2018-jan")

        self.assertNotContains(response, 'href="/codes/99493/"')
        self.assertContains(response, '<span class="code">99493</span> <abbr class="badge"')

    def test_release_address_is_case_normalised(self):
        self.assertRedirects(
            self.client.get("/releases/2019-JAN/"), "/releases/2019-jan/", status_code=301
        )

    def test_code_history_dates_a_termination_by_its_termination_date(self):
        response = self.client.get(reverse("codes:detail", args=["G0503"]))
        entries = response.context["history"].entries
        ended = next(e for e in entries if e.is_termination)

        assert ended.date.isoformat() == "2017-12-31"
        self.assertContains(response, '<time datetime="2017-12-31">2017-12-31</time>')
        self.assertContains(response, 'First published in the <a href="/releases/2018-jan/">')

    def test_release_list_names_the_release_each_is_compared_with(self):
        response = self.client.get(reverse("codes:releases"))
        row = response.content.decode().split("/releases/2019-jan/")[1].split("</tr>")[0]

        assert '<a href="/releases/2018-jan/">2018-jan</a>' in row
        assert "(3 releases between not loaded)" in row

    def test_code_history_says_when_releases_before_a_change_are_not_loaded(self):
        response = self.client.get(reverse("codes:detail", args=["G0503"]))

        self.assertContains(
            response,
            "Compared with 2017-jan: 3 releases between are not loaded, so this change may "
            "date from any of them.",
        )
