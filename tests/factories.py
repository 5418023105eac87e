"""Test data made the way the product makes it: through the demo seed's configuration and
the workflow's own functions."""

import io
import random
from datetime import datetime

from django.db import connection
from PIL import Image

from cases import suggest, workflow
from cases.images import Photo
from cases.memo import clear_all
from cases.models import Case, Category, CategoryModel, Party, Reporter, State
from cases.workflow import Actor
from demo import street as demo
from demo import texts

# A point inside 航天新苑二村小区 (compound-hangtian-2) on the demo street.
HANGTIAN_POINT = (31.1785, 121.3955)

_street = None


def street():
    """The demo configuration, created on first use and again after a transactional test
    has emptied the tables."""
    global _street
    if _street is None or not Party.objects.filter(code="rc-hangtian").exists():
        clear_all()
        _street = demo.seed_config()
    return _street


def staff(street, username):
    return Actor.staff(street.users[username])


def new_case(
    street,
    category="litter",
    *,
    point=HANGTIAN_POINT,
    reporter=True,
    at=None,
    route=False,
    **kwargs,
):
    """A freshly filed case (state `reported`), not routed unless asked; `reporter` may be
    a Reporter of the test's own."""
    who = reporter if isinstance(reporter, Reporter) else None
    if reporter is True:
        who = Reporter.objects.create(phone="13800138000", email="r@example.com")
    return workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories[category],
        description=kwargs.pop("description", "路边有暴露垃圾"),
        channel=Case.Channel.WEB,
        reporter=who,
        lat=point[0] if point else None,
        lng=point[1] if point else None,
        at=at,
        route=route,
        **kwargs,
    )


# The path to each state: (action, username or "reporter", inputs).
def _steps(street):
    hangtian = street.parties["rc-hangtian"]
    yongzhao = street.parties["rc-yongzhao"]
    return {
        State.DISPATCHED: [
            ("dispatch", "dispatcher", {"lead_party": hangtian, "co_parties": [yongzhao]})
        ],
        State.IN_PROGRESS: [("accept", "hangtian", {})],
        State.RESOLVED: [
            ("report_share", "yongzhao", {"note": "协办部分已完成"}),
            ("resolve", "hangtian", {"note": "已清理完毕"}),
        ],
        State.CLOSED: [("verify", "inspector", {})],
    }


PATHS = {
    State.REPORTED: [],
    State.DISPATCHED: [State.DISPATCHED],
    State.IN_PROGRESS: [State.DISPATCHED, State.IN_PROGRESS],
    State.RESOLVED: [State.DISPATCHED, State.IN_PROGRESS, State.RESOLVED],
    State.CLOSED: [State.DISPATCHED, State.IN_PROGRESS, State.RESOLVED, State.CLOSED],
}


def case_in(street, state, *, at=None, **kwargs):
    """A case brought to `state` along the usual path: dispatched to 航天新苑居委 with
    永兆居委 as co-party, accepted, the co-party's share reported, resolved and verified as
    far as needed."""
    case = new_case(street, at=at, **kwargs)
    if state == State.REJECTED:
        return act(street, case, "reject", "dispatcher", reason="不属于街道管辖", at=at)
    if state == State.AWAITING_MEETING:
        return act(street, case, "escalate", "dispatcher", reason="需要联席会议协调", at=at)
    steps = _steps(street)
    for target in PATHS[state]:
        for action, who, inputs in steps[target]:
            case = act(street, case, action, who, at=at, **inputs)
    return case


def act(street, case, action, who, *, at=None, **inputs):
    actor = Actor.reporter(case.token) if who == "reporter" else staff(street, who)
    return workflow.perform(case, action, actor=actor, at=at, **inputs).case


def aware(*args):
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def tiny_photo():
    """An 8×8 red JPEG, cleaned as an upload would be: evidence for a resolution."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    return Photo(data=out.getvalue(), width=8, height=8)


def stored_category_model(count=1500, seed=7):
    """A category model (cases.suggest) stored as version 1, trained on the categories' own
    words and `count` descriptions like the demo street's (demo/texts.py)."""
    rng = random.Random(seed)
    codes = sorted(texts.TOPICS)
    history = []
    for _ in range(count):
        code = rng.choice(codes)
        history.append((suggest.tokens(texts.describe(code, rng)), code))
    categories = Category.objects.filter(is_active=True, parent__isnull=False)
    model = suggest.NaiveBayes.train(suggest.category_documents(categories) + history)
    return CategoryModel.objects.create(
        version=1, training_size=count, holdout_size=0, parameters=model.to_json()
    )


def as_table_owner(statement, params):
    """Change stored events as the table's owner could: with the append-only trigger
    switched off for the statement (foreign keys checked first, as ALTER TABLE needs)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE cases_event DISABLE TRIGGER cases_event_append_only")
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE cases_event ENABLE TRIGGER cases_event_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tamper(event, note):
    """Rewrite a stored event's note behind the system's back."""
    as_table_owner("UPDATE cases_event SET note = %s WHERE id = %s", [note, event.pk])
