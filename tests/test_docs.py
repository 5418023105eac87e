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
