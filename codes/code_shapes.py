"""What a code looks like: the one definition of each shape the site recognises.

Each pattern is matched whole (`fullmatch`) against text already in capitals, except
`CODE_IN_TEXT`, which finds codes inside free text as CMS writes it. Digits are ASCII
digits only: a code is never written in other scripts' numerals.
"""

from __future__ import annotations

import re

# A HCPCS Level II code: a letter and four digits (E0601).
HCPCS_CODE = re.compile(r"[A-Z][0-9]{4}")
# A Level II code inside a description or note ("see code E0601"), in either case.
CODE_IN_TEXT = re.compile(r"\b([A-Za-z][0-9]{4})\b")
# A HCPCS modifier: two letters or digits (GY, 59).
MODIFIER = re.compile(r"[A-Z0-9]{2}")
# A CPT (Level I) code: five digits, or four digits and F, T or U (category II, III and
# PLA codes). CMS cross-references name them, but this site has no page for them.
CPT_CODE = re.compile(r"[0-9]{5}|[0-9]{4}[FTUftu]")
# The start of Level II codes, which the search box lists like browsing does (E, E06).
CODE_PREFIX = re.compile(r"[A-Z][0-9]{0,3}")
# Any part of a code or modifier: up to five letters and digits (a filter's bounds, a
# suggestion's prefix, a URL key).
CODE_PART = re.compile(r"[A-Z0-9]{1,5}")
# Text that may be a mistyped code or modifier: a letter, then one to four letters or
# digits (E060, GZ, K00X1). A search for it that finds nothing offers the codes around it.
CODE_LIKE = re.compile(r"[A-Z][A-Z0-9]{1,4}")
