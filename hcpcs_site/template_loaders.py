"""A filesystem template loader that drops the HTML templates' layout whitespace.

The project's templates are indented for people to read; sent as written, indentation
and the empty lines left by `{% if %}` and `{% for %}` lines are a sixth of a page. This
loader removes them once, when a template is first loaded (the cached loader keeps the
result), so rendering costs nothing extra. It does what Jinja's `trim_blocks` and
`lstrip_blocks` do:

* leading spaces and tabs are removed from every line, and empty lines are dropped;
* a line holding only control tags (`{% if %}`, `{% endfor %}`, `{% block %}`, ...)
  loses its line break too.

Neither changes what a browser shows: a line break still separates what stood on two
lines, and a control tag outputs nothing of its own. Tags that output something
(`{% include %}`, `{% url %}`) keep their line. Text inside <pre> and <textarea> is left
exactly as written.
"""

import re

from django.template.loaders import filesystem

CONTROL_TAGS = (
    "if|elif|else|endif|for|empty|endfor|with|endwith|block|endblock|extends|load"
    "|comment|endcomment|spaceless|endspaceless|autoescape|endautoescape"
)
CONTROL_TAG = r"\{%\s*(?:" + CONTROL_TAGS + r")\b.*?%\}"
TEMPLATE_COMMENT = r"\{#.*?#\}"
CONTROL_LINE = re.compile(rf"(?:{CONTROL_TAG}|{TEMPLATE_COMMENT})+")
PREFORMATTED_START = re.compile(r"<(pre|textarea)\b", re.IGNORECASE)
PREFORMATTED_END = re.compile(r"</(pre|textarea)>", re.IGNORECASE)


def trim_layout(source: str) -> str:
    out: list[str] = []
    preformatted = False
    for line in source.splitlines(keepends=True):
        if preformatted:
            out.append(line)
            preformatted = not PREFORMATTED_END.search(line)
            continue
        text = line.lstrip(" \t")
        body = text.rstrip("\r\n")
        if PREFORMATTED_START.search(body) and not PREFORMATTED_END.search(body):
            preformatted = True
            out.append(text)
        elif not body.strip():
            continue
        elif CONTROL_LINE.fullmatch(body.rstrip()):
            out.append(body.rstrip())
        else:
            out.append(text)
    return "".join(out)


class Loader(filesystem.Loader):
    """Trims HTML templates; others (robots.txt, XML) are read exactly as written."""

    def get_contents(self, origin) -> str:
        contents = super().get_contents(origin)
        return trim_layout(contents) if origin.name.endswith(".html") else contents
