"""The suite's date-sensitive parts pass on any day: they run again here, in a separate
pytest, with the clock moved (HONGMEI_TEST_NOW, tests/environment.py) to two dates a year
apart, one before and one long after the dates their stories are written with.

`make test-dates` does the same for the whole suite (without browsers) under three dates.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Stories dated November 2026 that ask for deadlines "in the future" or read figures "now".
DATE_SENSITIVE = [
    "tests/cases/test_message_templates.py",
    "tests/cases/test_indicators.py",
    "tests/integrations/test_hotline.py",
]
DATES = ["2026-03-02T10:00+08:00", "2027-03-01T15:30+08:00"]


def _own_database(url):
    """The same server, another database: the inner run must not meet this run's."""
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=(parsed.path or "/hongmei") + "_any_date"))


@pytest.mark.skipif(
    bool(os.environ.get("HONGMEI_TEST_NOW")), reason="the whole run is already on a moved clock"
)
@pytest.mark.parametrize("when", DATES)
def test_date_sensitive_tests_pass_on_a_far_date(when):
    env = dict(os.environ, HONGMEI_TEST_NOW=when)
    env["DATABASE_URL"] = _own_database(os.environ["DATABASE_URL"]) + when[:4]
    env.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *DATE_SENSITIVE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
