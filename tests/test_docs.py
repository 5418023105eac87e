import re
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_workflow_doc_shows_the_table_the_code_runs(capsys):
    call_command("workflow_table")
    table = capsys.readouterr().out
    doc = (ROOT / "docs" / "workflow.md").read_text()
    embedded = re.search(
        r"<!-- workflow-table:start -->\n(.*?)<!-- workflow-table:end -->", doc, re.S
    ).group(1)
    assert embedded == table, "docs/workflow.md is out of date: run manage.py workflow_table"


def test_readme_gives_the_two_commands_and_the_demo_logins():
    readme = (ROOT / "README.md").read_text()
    for text in ("make run", "make test", "hongmei-demo", "dispatcher", "hangtian"):
        assert text in readme


APPS = (
    "hongmei",
    "cases",
    "public",
    "ledger",
    "portal",
    "dashboard",
    "meetings",
    "integrations",
    "demo",
)


def test_readme_layout_names_every_module_under_its_app():
    """A newcomer reads the layout to find a module: each one is there, in its app's part
    (management commands are listed with the commands, migrations are not modules to read)."""
    readme = (ROOT / "README.md").read_text()
    layout = re.search(r"## Layout\n.*?```\n(.*?)```", readme, re.S).group(1)
    parts = dict(re.findall(r"^(\w+)/ +(.*?)(?=^\w+/|\Z)", layout, re.S | re.M))
    missing = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT / app).as_posix()
            if path.name == "__init__.py" or relative.startswith(("migrations/", "management/")):
                continue
            if path.name not in parts.get(app, ""):
                missing.append(f"{app}/{relative}")
    assert missing == []
