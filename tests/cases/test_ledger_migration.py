"""Migration cases/0012 builds the hash chains of the events stored before the ledger: each
case's events in their history order (time, then id), photos by the digest of their bytes."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases import ledger
from cases.models import Attachment, Case, Event
from tests.factories import aware

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cases", "0015_category_model_and_recurrence")]
AFTER = [("cases", "0016_ledger_hash_chain")]
MONDAY = aware(2026, 11, 23, 9, 0)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_migration_chains_the_events_already_stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    old = _migrate(BEFORE)
    try:
        OldCase = old.get_model("cases", "Case")
        OldEvent = old.get_model("cases", "Event")
        OldAttachment = old.get_model("cases", "Attachment")
        Category = old.get_model("cases", "Category")
        category = Category.objects.create(code="ledger-migration", name="迁移测试")
        case = OldCase.objects.create(
            number="HM-1999-000001",
            token="t" * 32,
            category=category,
            description="x",
            channel="web",
            created_at=MONDAY,
            updated_at=MONDAY,
        )
        # Inserted out of time order: the chain follows the history, not the ids.
        later = OldEvent.objects.create(
            case=case,
            kind="dispatch",
            actor_role="dispatcher",
            from_state="reported",
            to_state="dispatched",
            data={"lead_party": 1},
            created_at=MONDAY + timedelta(hours=1),
        )
        first = OldEvent.objects.create(
            case=case,
            kind="file",
            actor_role="reporter",
            to_state="reported",
            data={"channel": "web"},
            created_at=MONDAY,
        )
        photo = OldAttachment(
            case=case,
            event=first,
            kind="report",
            content_type="image/jpeg",
            size=3,
            created_at=MONDAY,
        )
        photo.file.save("a.jpg", ContentFile(b"abc"), save=False)
        photo.save()
    finally:
        _migrate(AFTER)
        _migrate(_latest())

    case = Case.objects.get(number="HM-1999-000001")
    events = list(Event.objects.filter(case=case).order_by("seq"))
    assert [(e.pk, e.seq) for e in events] == [(first.pk, 1), (later.pk, 2)]
    assert Attachment.objects.get(case=case).sha256 == hashlib.sha256(b"abc").hexdigest()
    assert (case.chain_head, case.chain_length) == (events[1].chain_hash, 2)
    assert ledger.check_case(case) is None


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
