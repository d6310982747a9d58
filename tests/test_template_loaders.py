from django.conf import settings
from django.template import engines
from django.test import SimpleTestCase

from hcpcs_site.template_loaders import trim_layout


class TrimLayoutTests(SimpleTestCase):
    def test_indentation_and_empty_lines_go(self):
        assert trim_layout("<ul>\n    <li>a</li>\n\n  \n    <li>b</li>\n</ul>\n") == (
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
        )

    def test_a_line_of_control_tags_loses_its_line_break(self):
        source = "<ul>\n  {% for x in xs %}\n    <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n"
        assert trim_layout(source) == "<ul>\n{% for x in xs %}<li>{{ x }}</li>\n{% endfor %}</ul>\n"

    def test_comments_count_as_control_tags(self):
        assert (
            trim_layout("  {# note #}{% if a %}\nA\n{% endif %}\n")
            == "{# note #}{% if a %}A\n{% endif %}"
        )

    def test_tags_that_output_keep_their_line(self):
        source = '<p>\n  {% include "x.html" %}\n  {% url "codes:home" %}\n</p>\n'
        assert trim_layout(source) == '<p>\n{% include "x.html" %}\n{% url "codes:home" %}\n</p>\n'

    def test_a_line_mixing_text_and_tags_keeps_its_line_break(self):
        assert trim_layout("  {% if a %}A{% endif %} text\n") == "{% if a %}A{% endif %} text\n"

    def test_preformatted_text_is_kept_as_written(self):
        pre = "<pre>\n    one\n\n      two\n  </pre>\n"
        textarea = "<textarea>\n  x\n</textarea>\n"
        source = f"<div>\n  {pre}  {textarea}</div>\n"
        assert trim_layout(source) == f"<div>\n{pre}{textarea}</div>\n"

    def test_rendering_keeps_the_space_between_inline_elements(self):
        template = engines["django"].from_string(
            trim_layout("<b>{{ a }}</b>\n  {% if b %}\n    <i>{{ b }}</i>\n  {% endif %}\n")
        )
        assert (
            template.render({"a": "S9329", "b": "Home infusion"})
            == "<b>S9329</b>\n<i>Home infusion</i>\n"
        )


class ProjectTemplatesTests(SimpleTestCase):
    def test_the_project_templates_are_loaded_trimmed(self):
        source = engines["django"].engine.get_template("codes/_code_table.html").source
        assert source == trim_layout(source)
        assert not any(line[:1] in " \t" for line in source.splitlines())

    def test_other_templates_are_read_as_written(self):
        engine = engines["django"].engine
        source = engine.get_template("discovery/robots.txt").source
        assert source == (settings.BASE_DIR / "templates/discovery/robots.txt").read_text()
        assert "\n\n" in source
