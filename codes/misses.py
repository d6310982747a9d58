"""Searches that found nothing or only weak matches, counted for tuning the thesaurus.

A miss is kept as its normalised words only ("lumbar brace", lowercased, duplicates and
words like "of" dropped): never the address, a cookie, the user or the raw text. Text
that could be someone's identifier (an e-mail address, a run of six or more digits such
as a phone, member or record number) is not kept at all. The table is bounded: past
MAX_ROWS rows the rarest, least recently seen misses are dropped. The admin lists them
by frequency.

A page that records a miss is sent uncached (see the search view), so each such search
reaches the server and is counted, instead of once per page cache. Counts are gathered
in the process and written in one transaction every few seconds (`record`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from codes.caching import after_snapshot
from codes.models import SearchMiss
from codes.search import ParsedQuery

MAX_ROWS = 5000
# Rows dropped at once when the table is full, so eviction runs once per this many misses.
EVICT_BATCH = 100
MAX_QUERY_LENGTH = 100
IDENTIFIER_LIKE = re.compile(r"@|\d{6,}")
# Distinct queries held in a process before they are written.
MAX_PENDING = 100

_pending: Counter[str] = Counter()
_results: dict[str, int] = {}
_lock = threading.Lock()
_last_flush = time.monotonic()

logger = logging.getLogger(__name__)


def is_weak(parsed: ParsedQuery, found: int, best_text: str) -> bool:
    """Nothing found, a word no code uses, or a best result without every word."""
    return not found or bool(parsed.missing_words) or not parsed.matched_by(best_text)


def normalised(text: str, parsed: ParsedQuery) -> str:
    if IDENTIFIER_LIKE.search(text):
        return ""
    return parsed.text[:MAX_QUERY_LENGTH].strip()


def record(text: str, parsed: ParsedQuery, found: int) -> None:
    """Count one search that found little. Counts are kept in the process and written
    together every SEARCH_MISS_FLUSH_SECONDS (10) or MAX_PENDING queries, so a busy site
    does not write (and, on SQLite, take the write lock) on every such request; a process
    that stops loses at most those seconds of counts."""
    global _last_flush
    query = normalised(text, parsed)
    if not query:
        return
    with _lock:
        _pending[query] += 1
        _results[query] = found
        now = time.monotonic()
        if len(_pending) < MAX_PENDING and now - _last_flush < flush_seconds():
            return
        batch, results = dict(_pending), dict(_results)
        _pending.clear()
        _results.clear()
        _last_flush = now
    # Not inside the page's read snapshot (codes.caching).
    after_snapshot(lambda: write(batch, results))


def flush_seconds() -> float:
    return getattr(settings, "SEARCH_MISS_FLUSH_SECONDS", 0 if settings.TESTING else 10)


def write(batch: dict[str, int], results: dict[str, int]) -> None:
    """Add `batch` ({query: searches}) to the table; a database error never fails a page."""
    today = timezone.localdate()
    try:
        with transaction.atomic():
            known = set(SearchMiss.objects.filter(query__in=batch).values_list("query", flat=True))
            for query in known:
                SearchMiss.objects.filter(query=query).update(
                    count=F("count") + batch[query], results=results[query], last_seen=today
                )
            new = [
                SearchMiss(
                    query=query,
                    results=results[query],
                    count=count,
                    first_seen=today,
                    last_seen=today,
                )
                for query, count in batch.items()
                if query not in known
            ]
            # A row another process created meanwhile keeps its own count.
            SearchMiss.objects.bulk_create(new, ignore_conflicts=True)
            if new:
                evict()
    except DatabaseError:
        logger.warning("search misses not recorded", exc_info=True)


def evict(limit: int | None = None) -> None:
    """Keep the table at `limit` (MAX_ROWS) rows or fewer: the rarest, oldest go first."""
    limit = MAX_ROWS if limit is None else limit
    total = SearchMiss.objects.count()
    if total <= limit:
        return
    excess = total - limit + min(EVICT_BATCH, limit // 10)
    doomed = SearchMiss.objects.order_by("count", "last_seen", "id").values_list("id", flat=True)
    SearchMiss.objects.filter(id__in=list(doomed[:excess])).delete()
