from django.core.management.base import BaseCommand
from django.utils import translation

from cases.models import State
from cases.workflow import ACTIONS, FILERS, REPORTER, SYSTEM

WHO = {
    "dispatcher": "dispatcher",
    "handler": "handler of the lead party",
    "inspector": "inspector",
    "supervisor": "supervisor",
    "secretary": "secretary",
    REPORTER: "the reporter (through the case's private link)",
    SYSTEM: "the system (a routing rule, a sweep)",
}
FILER_WHO = {
    REPORTER: "a reporter (no account needed)",
    SYSTEM: "the system (an API key, an import)",
}
PARTY = {
    "any": "handler of the lead party or a co-party",
    "share": "handler of a co-party",
}


def who(spec):
    return ", ".join(
        PARTY.get(spec.party, WHO[r]) if r == "handler" else WHO[r] for r in spec.roles
    )


def states(values):
    return "any" if set(values) == set(State.values) else ", ".join(values)


def markdown():
    """The action table of cases/workflow.py as Markdown, for docs/workflow.md."""
    lines = ["| action | from → to | by | needs | may take |", "|---|---|---|---|---|"]
    filers = ", ".join(FILER_WHO.get(r, WHO[r]) for r in FILERS)
    lines.append(f"| file | — → reported | {filers} | description, category | point, photos |")
    for spec in ACTIONS.values():
        move = f"{states(spec.sources)} → {spec.target}" if spec.target else states(spec.sources)
        needs = ", ".join(spec.needs) or "—"
        accepts = ", ".join(spec.accepts) or "—"
        lines.append(f"| {spec.name} | {move} | {who(spec)} | {needs} | {accepts} |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the workflow's action table as Markdown (docs/workflow.md embeds it)."

    def handle(self, *args, **options):
        with translation.override("en"):
            self.stdout.write(markdown(), ending="")
