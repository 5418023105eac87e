"""Are the records whole? The check an operator runs after a crash, a restore or a drill.

- every case has its filing event, first;
- every case's state is the state its events lead to (each event's `from_state` is the
  state the previous one left, and the last one's `to_state` is the case's state);
- every stored file a row names exists on the storage, and every file under the case
  files' directory has a row (a file without a row is what a request killed after saving
  its photos and before committing leaves; `remove_orphans()` clears those once they are
  old enough that no request can still be committing them).

One pass over the events in (case, time, id) order, streamed: its cost is the table's
size, fit for a command, never for a request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models

from cases.models import Case, Event

FILING = "file"
FILES_ROOT = "cases"
# A request holds its files uncommitted for seconds; a day is far beyond any of them.
ORPHAN_AGE = timedelta(hours=24)


@dataclass
class Report:
    cases: int = 0
    events: int = 0
    files: int = 0
    without_filing: list[str] = field(default_factory=list)
    broken_history: list[str] = field(default_factory=list)
    wrong_state: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return sum(
            len(x)
            for x in (
                self.without_filing,
                self.broken_history,
                self.wrong_state,
                self.missing_files,
                self.orphan_files,
            )
        )

    def lines(self) -> list[str]:
        out = [
            f"cases {self.cases}, events {self.events}, stored files {self.files}",
            f"cases without their filing event first: {len(self.without_filing)}",
            "cases whose events do not chain (from_state ≠ the state before): "
            f"{len(self.broken_history)}",
            f"cases whose state is not where their events lead: {len(self.wrong_state)}",
            f"rows whose file is missing: {len(self.missing_files)}",
            f"files without a row: {len(self.orphan_files)}",
        ]
        for name in (
            "without_filing",
            "broken_history",
            "wrong_state",
            "missing_files",
            "orphan_files",
        ):
            for item in getattr(self, name)[:10]:
                out.append(f"  {name}: {item}")
        return out


def check(*, files: bool = True) -> Report:
    report = Report()
    states = dict(Case.objects.values_list("pk", "state").iterator(chunk_size=10000))
    numbers = dict(Case.objects.values_list("pk", "number").iterator(chunk_size=10000))
    report.cases = len(states)
    seen: set[int] = set()
    current_case, state, first = None, "", True

    def close(pk):
        if pk is not None and state != states[pk]:
            report.wrong_state.append(
                f"{numbers[pk]}: {states[pk]} recorded, {state} from its events"
            )

    events = Event.objects.order_by("case_id", "created_at", "id").values_list(
        "case_id", "kind", "from_state", "to_state"
    )
    broken: set[int] = set()
    for case_id, kind, from_state, to_state in events.iterator(chunk_size=10000):
        report.events += 1
        if case_id != current_case:
            close(current_case)
            current_case, state, first = case_id, "", True
            seen.add(case_id)
        if first and kind != FILING:
            report.without_filing.append(f"{numbers[case_id]}: first event {kind}")
        first = False
        if from_state and state and from_state != state and case_id not in broken:
            broken.add(case_id)
            report.broken_history.append(
                f"{numbers[case_id]}: {kind} from {from_state} after {state}"
            )
        if to_state:
            state = to_state
    close(current_case)
    for pk in states.keys() - seen:
        report.without_filing.append(f"{numbers[pk]}: no events")
    if files:
        _check_files(report)
    return report


def _file_fields():
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField):
                yield model, f.name


def stored_names() -> set[str]:
    names: set[str] = set()
    for model, name in _file_fields():
        names.update(n for n in model._default_manager.values_list(name, flat=True).iterator() if n)
    return names


def _walk(directory: str):
    try:
        subdirs, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for f in files:
        yield f"{directory}/{f}"
    for d in subdirs:
        yield from _walk(f"{directory}/{d}")


def _check_files(report: Report) -> None:
    names = stored_names()
    report.files = len(names)
    for name in sorted(names):
        if not default_storage.exists(name):
            report.missing_files.append(name)
    for name in _walk(FILES_ROOT):
        if name not in names:
            report.orphan_files.append(name)


def remove_orphans(*, older_than: timedelta = ORPHAN_AGE) -> list[str]:
    """Delete files under the case files' directory that no row names, once older than
    `older_than` (their request is long over: it either committed its row or never will)."""
    names = stored_names()
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for name in _walk(FILES_ROOT):
        if name in names:
            continue
        if default_storage.get_modified_time(name).timestamp() <= cutoff:
            default_storage.delete(name)
            removed.append(name)
    return removed
