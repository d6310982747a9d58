"""The data version: a counter that every change of the data moves forward.

Pages, their validators and the page cache are keyed by it (codes/caching.py). It is
one row, bumped by `record_change()` inside the transaction that changes the data, so
a reader sees the new data and the new number at the same moment, and never the new
data under the old number. It is not derived from which releases exist: removing a
release gives a new number, never the one from before it was imported.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.apps import apps as global_apps
from django.db import transaction
from django.utils import timezone

from codes import versioned
from codes.compiled import CompiledQuery
from codes.models import DataVersion

ROW = 1
# Before any change is recorded (or after a flush): a version no page is ever stored under.
NO_CHANGE = ("none", 0, datetime(2000, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class Version:
    epoch: str
    number: int
    changed_at: datetime

    @property
    def token(self) -> str:
        return f"{self.epoch[:8]}.{self.number}"


def ensure_row(using: str = "default", apps=global_apps, **_signal) -> None:
    """Create the version row, with its own epoch, where a database has none yet."""
    try:
        model = apps.get_model("codes", "DataVersion")
    except LookupError:  # migrated back to before the table existed
        return
    model.objects.using(using).get_or_create(
        pk=ROW,
        defaults={
            "epoch": secrets.token_hex(16),
            "number": 0,
            "changed_at": timezone.now().replace(microsecond=0),
        },
    )


def _version_row():
    return DataVersion.objects.filter(pk=ROW).values_list("epoch", "number", "changed_at")[:1]


# Every request asks for it before anything else: compiled once, it costs a tenth.
_CURRENT = CompiledQuery(_version_row)


def current() -> Version:
    """The version as the current transaction (or statement) sees it: one query."""
    return Version(*(_CURRENT.first_row() or NO_CHANGE))


def record_change() -> Version:
    """Move the version forward; call it inside the transaction that changes the data.

    The row lock (PostgreSQL) orders concurrent changes. changed_at (Last-Modified)
    moves forward by at least a second, HTTP dates' resolution, so two changes within
    one second still give a client's If-Modified-Since a different answer.
    """
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        row = DataVersion.objects.select_for_update().filter(pk=ROW).first()
        if row is None:
            row = DataVersion(pk=ROW, epoch=secrets.token_hex(16), number=0, changed_at=now)
        row.number += 1
        row.changed_at = max(now, row.changed_at + timedelta(seconds=1))
        row.save()
    versioned.forget_all()
    return Version(row.epoch, row.number, row.changed_at)
