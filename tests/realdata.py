"""Integration tests load the real CMS releases from HCPCS_DATA_DIR (../shared/data/hcpcs)."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.test import TestCase

from codes import importer


def release_path(name: str) -> Path:
    path = Path(settings.HCPCS_DATA_DIR) / name
    if not path.is_dir():
        raise AssertionError(f"CMS release {name} not found in {settings.HCPCS_DATA_DIR}")
    return path


@functools.cache
def parsed_release(name: str) -> importer.ParsedRelease:
    """Parse each real release once per test process."""
    return importer.read_release(release_path(name))


def load_releases(*names: str) -> None:
    for name in names:
        importer.load(parsed_release(name))


class RealDataTestCase(TestCase):
    """A TestCase whose class data is the real releases named in `releases`."""

    releases: tuple[str, ...] = ("2025-oct",)

    @classmethod
    def setUpTestData(cls):
        load_releases(*cls.releases)
