"""The real ASP quarters under ASP_DATA_DIR (../shared/data/asp), parsed once per process."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.test import TestCase

from codes.payments import asp


def quarter_path(name: str) -> Path:
    path = Path(settings.ASP_DATA_DIR) / name
    if not path.is_dir():
        raise AssertionError(f"ASP quarter {name} not found in {settings.ASP_DATA_DIR}")
    return path


@functools.cache
def parsed_quarter(name: str) -> tuple[asp.ParsedDataset, ...]:
    return tuple(asp.read(quarter_path(name)))


def load_quarters(*names: str) -> None:
    for name in names:
        for dataset in parsed_quarter(name):
            asp.load(dataset)


class AspRealDataTestCase(TestCase):
    """A TestCase whose class data is the real ASP quarters named in `quarters`."""

    quarters: tuple[str, ...] = ("2025-jan", "2025-oct")

    @classmethod
    def setUpTestData(cls):
        load_quarters(*cls.quarters)
