"""Every string a person sees is translatable, and translated into Simplified Chinese."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOG = Path("locale/zh_Hans/LC_MESSAGES/django.po")
SKIP = {
    ".venv",
    "node_modules",
    "media",
    "staticfiles",
    ".git",
    "tests",
    "bench",
    "var",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "db.sqlite3",
}


def msgids(po):
    return {(e.msgctxt, e.msgid) for e in po if not e.obsolete}


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(ROOT / CATALOG))
    untranslated = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []


def test_catalog_holds_every_string_in_the_code(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in SKIP])
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore=tests",
            "--ignore=bench",
            "--ignore=.venv",
            "--ignore=node_modules",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    extracted = msgids(polib.pofile(str(copy / CATALOG)))
    committed = msgids(polib.pofile(str(ROOT / CATALOG)))
    assert sorted(extracted - committed) == [], "run make messages and translate the new strings"
    assert sorted(committed - extracted) == [], "the catalog holds strings no longer used"
