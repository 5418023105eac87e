"""The benchmark's rows, each a small declared scenario: what is sent (method, path, form,
files), as whom, what answer counts as success, and which floor it is compared with.

Paths may hold placeholders filled from the seeded data by bench/run.py: {case} (a case
number, a different one for each request), {category} (the litter category's id), {lat}
and {lng} (a point inside the street).

Rows marked `waiting_for` exercise pages and tasks other branches build (the URL contract
in COMMON.md); until those are merged their URL answers 404 (or the task cannot be
imported) and the row is skipped, saying so in the table. The lead switches them on by
merging: nothing here needs to change unless a form's field names differ.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    name: str
    floor: str | None = None  # the floor row it is compared with; None for a floor
    method: str = "GET"
    path: str = ""
    user: str | None = None  # a demo account; None: anonymous
    form: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # field name → "photo" (a JPEG the run makes)
    task: str = ""  # "module:function" run in-process instead of a request
    kwargs: dict = field(default_factory=dict)
    expect: tuple = (200,)
    waiting_for: str = ""

    @property
    def is_floor(self):
        return self.floor is None


FLOORS = [
    Scenario("floor: plain response", path="/bench/floor/plain/"),
    Scenario("floor: one row by key", path="/bench/floor/read/{case}/"),
    Scenario("floor: 50-row list", path="/bench/floor/list/"),
    Scenario(
        "floor: one-row insert",
        method="POST",
        path="/bench/floor/insert/",
        form={"name": "bench"},
        expect=(201,),
    ),
    Scenario(
        "floor: task, one row by key",
        task="bench.floors:task_read",
        kwargs={"number": "{case}"},
    ),
]

_REPORT = {
    "category": "{category}",
    "description": "人行道上有暴露垃圾，请尽快清理。",
    "lat": "{lat}",
    "lng": "{lng}",
}

PAGES = [
    Scenario(
        "dashboard, this month (supervisor)",
        floor="floor: 50-row list",
        path="/staff/dashboard/?period=month",
        user="supervisor",
    ),
    Scenario(
        "dashboard, this month (handler)",
        floor="floor: 50-row list",
        path="/staff/dashboard/?period=month",
        user="hangtian",
    ),
    Scenario(
        "staff queue",
        floor="floor: 50-row list",
        path="/staff/",
        user="dispatcher",
        waiting_for="issue 4 (staff portal)",
    ),
    Scenario(
        "case detail",
        floor="floor: one row by key",
        path="/staff/cases/{case}/",
        user="dispatcher",
        waiting_for="issue 4 (staff portal)",
    ),
    Scenario(
        "deadline sweep",
        floor="floor: task, one row by key",
        task="cases.tasks:sweep_deadlines",
        waiting_for="issue 5 (automation)",
    ),
    # Writes last, so that the reads above see the seeded data only.
    Scenario(
        "public submit, no photo",
        floor="floor: one-row insert",
        method="POST",
        path="/",
        form=_REPORT,
        expect=(302, 303),
        waiting_for="issue 3 (public form)",
    ),
    Scenario(
        "public submit, with photo",
        floor="floor: one-row insert",
        method="POST",
        path="/",
        form=_REPORT,
        files={"photos": "photo"},
        expect=(302, 303),
        waiting_for="issue 3 (public form)",
    ),
]

SCENARIOS = FLOORS + PAGES
