"""The benchmark's rows, each a small declared scenario: what is sent (method, path, form,
files), as whom, what answer counts as success, and which floor it is compared with.

Paths, forms and task arguments may hold placeholders filled from the seeded data by
bench/run.py: {case} (a case number, a different one for each request), {category} (the
litter category's code), {lat} and {lng} (a point inside the street; a POST with a `nearby`
check takes a different point for each request, on a grid whose points lie more than 100 m
apart, so that one request's new case is never "nearby" for another's).
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
    fresh: tuple = ()  # form fields given a new random token on every request
    nearby: str = ""  # GET before each POST, untimed: the public form's live check

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
    "kind": "resident",
    "category": "{category}",
    "description": "人行道上有暴露垃圾，请尽快清理。",
    "lat": "{lat}",
    "lng": "{lng}",
}

# The live check the form runs when a place is picked; its list goes into `seen_nearby`.
_NEARBY = "/report/where/?category={category}&lat={lat}&lng={lng}"

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
        "staff queue (dispatcher)",
        floor="floor: 50-row list",
        path="/staff/",
        user="dispatcher",
    ),
    Scenario(
        "staff queue (handler)",
        floor="floor: 50-row list",
        path="/staff/",
        user="hangtian",
    ),
    Scenario(
        "case list, 50 newest (dispatcher)",
        floor="floor: 50-row list",
        path="/staff/cases/",
        user="dispatcher",
    ),
    Scenario(
        "case detail",
        floor="floor: one row by key",
        path="/staff/cases/{case}/",
        user="dispatcher",
    ),
    Scenario(
        "deadline sweep, nothing due",
        floor="floor: task, one row by key",
        task="cases.tasks:sweep_deadlines",
    ),
    Scenario(
        "deadline sweep, 100 alarms due (rolled back)",
        floor="floor: task, one row by key",
        task="bench.floors:sweep_due",
        kwargs={"due": 100},
    ),
    # Writes last, so that the reads above see the seeded data only.
    Scenario(
        "public submit, no photo",
        floor="floor: one-row insert",
        method="POST",
        path="/",
        form=_REPORT,
        fresh=("key",),
        nearby=_NEARBY,
        expect=(302, 303),
    ),
    Scenario(
        "public submit, with photo",
        floor="floor: one-row insert",
        method="POST",
        path="/",
        form=_REPORT,
        files={"photos": "photo"},
        fresh=("key",),
        nearby=_NEARBY,
        expect=(302, 303),
    ),
]

SCENARIOS = FLOORS + PAGES
