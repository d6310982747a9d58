from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real CMS releases (../shared/data/hcpcs); integration tests need them."""
    path = Path(settings.HCPCS_DATA_DIR)
    if not (path / "2019-jan").is_dir():
        pytest.fail(f"CMS releases not found in {path}: set HCPCS_DATA_DIR")
    return path
