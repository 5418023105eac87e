import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _chinese():
    """Refusals are read in Chinese, the default language, whatever an earlier test's
    request left active in this thread."""
    with translation.override("zh-hans"):
        yield
