"""Searches that found nothing or only weak matches, counted for tuning the thesaurus.

A miss is kept as its normalised words only ("lumbar brace", lowercased, duplicates and
words like "of" dropped): never the address, a cookie, the user or the raw text. Text
that could be someone's identifier (an e-mail address, a run of six or more digits such
as a phone, member or record number) is not kept at all. The table is bounded: past
MAX_ROWS rows the rarest, least recently seen misses are dropped. The admin lists them
by frequency.

A page that records a miss is sent uncached (see the search view), so each such search
reaches the server and is counted, instead of once per page cache.
"""

from __future__ import annotations

import logging
import re

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from codes.models import SearchMiss
from codes.search import ParsedQuery

MAX_ROWS = 5000
# Rows dropped at once when the table is full, so eviction runs once per this many misses.
EVICT_BATCH = 100
MAX_QUERY_LENGTH = 100
IDENTIFIER_LIKE = re.compile(r"@|\d{6,}")

logger = logging.getLogger(__name__)


def is_weak(parsed: ParsedQuery, found: int, best_text: str) -> bool:
    """Nothing found, a word no code uses, or a best result without every word."""
    return not found or bool(parsed.missing_words) or not parsed.matched_by(best_text)


def normalised(text: str, parsed: ParsedQuery) -> str:
    if IDENTIFIER_LIKE.search(text):
        return ""
    return parsed.text[:MAX_QUERY_LENGTH].strip()


def record(text: str, parsed: ParsedQuery, found: int) -> None:
    """Count one search that found little; a database error never fails the page."""
    query = normalised(text, parsed)
    if not query:
        return
    today = timezone.localdate()
    try:
        with transaction.atomic():
            updated = SearchMiss.objects.filter(query=query).update(
                count=F("count") + 1, results=found, last_seen=today
            )
            if not updated:
                SearchMiss.objects.create(
                    query=query, results=found, first_seen=today, last_seen=today
                )
                evict()
    except IntegrityError:
        # Another request created the row first: count this one on it.
        SearchMiss.objects.filter(query=query).update(count=F("count") + 1, last_seen=today)
    except DatabaseError:
        logger.warning("search miss not recorded", exc_info=True)


def evict(limit: int | None = None) -> None:
    """Keep the table at `limit` (MAX_ROWS) rows or fewer: the rarest, oldest go first."""
    limit = MAX_ROWS if limit is None else limit
    total = SearchMiss.objects.count()
    if total <= limit:
        return
    excess = total - limit + min(EVICT_BATCH, limit // 10)
    doomed = SearchMiss.objects.order_by("count", "last_seen", "id").values_list("id", flat=True)
    SearchMiss.objects.filter(id__in=list(doomed[:excess])).delete()
