"""The ledger (docs/ledger.md): hash-chain columns on events, the head on cases, the
digest of attachments, the street's daily digests; and the chains of the events already
stored, built here in their history order (time, then id).

Events are append-only: the trigger is switched off for the duration, as only the
table's owner (who runs migrations) can, and back on before the migration ends.
"""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from cases import ledger

BATCH = 2000


def _file_digest(attachment):
    try:
        with attachment.file.open("rb") as f:
            return ledger.file_digest(f.read())
    except (OSError, ValueError):
        return ""  # the file is gone: its absence is what the chain records


def build_chains(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Event = apps.get_model("cases", "Event")
    Attachment = apps.get_model("cases", "Attachment")
    connection = schema_editor.connection
    append_only = importlib.import_module("cases.migrations.0002_event_append_only")
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_event DISABLE TRIGGER cases_event_append_only")
    elif connection.vendor == "sqlite":
        for statement in append_only.SQLITE_DROP:
            schema_editor.execute(statement)
    last = 0
    while True:
        cases = list(Case.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not cases:
            break
        last = cases[-1].pk
        events, attachments = [], []
        digests = {}
        for attachment in Attachment.objects.filter(case__in=cases, event__isnull=False):
            attachment.sha256 = _file_digest(attachment)
            attachments.append(attachment)
            digests.setdefault(attachment.event_id, []).append(attachment.sha256)
        by_case = {}
        for event in Event.objects.filter(case__in=cases).order_by("case_id", "created_at", "id"):
            by_case.setdefault(event.case_id, []).append(event)
        for case in cases:
            case.chain_head, case.chain_length = "", 0
            for event in by_case.get(case.pk, []):
                ledger.seal(case, event, digests.get(event.pk, []))
                events.append(event)
        fields = ["seq", "nonce", "content_hash", "prev_hash", "chain_hash"]
        Event.objects.bulk_update(events, fields, batch_size=BATCH)
        Attachment.objects.bulk_update(attachments, ["sha256"], batch_size=BATCH)
        Case.objects.bulk_update(cases, ["chain_head", "chain_length"], batch_size=BATCH)
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_event ENABLE TRIGGER cases_event_append_only")
    elif connection.vendor == "sqlite":
        for statement in append_only.SQLITE_CREATE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_category_model_and_recurrence")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="chain_head",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="history hash"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="chain_length",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="events in the history"
            ),
        ),
        migrations.AddField(
            model_name="attachment",
            name="sha256",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="SHA-256"),
        ),
        migrations.AddField(
            model_name="event",
            name="seq",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="place in the history"
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="nonce",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="content_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="content hash"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="previous hash"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="chain_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(build_chains, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="seq",
            field=models.PositiveIntegerField(editable=False, verbose_name="place in the history"),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(fields=("case", "seq"), name="event_case_seq"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["created_at"], name="event_time"),
        ),
        migrations.CreateModel(
            name="StreetDigest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True, verbose_name="day")),
                ("root", models.CharField(max_length=64, verbose_name="root")),
                ("leaves", models.PositiveIntegerField(verbose_name="cases")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="sealed")),
            ],
            options={
                "verbose_name": "street digest",
                "verbose_name_plural": "street digests",
                "ordering": ["-day"],
            },
        ),
        migrations.CreateModel(
            name="DigestLeaf",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField()),
                ("seq", models.PositiveIntegerField()),
                ("head", models.CharField(max_length=64)),
                ("case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.case")),
                ("digest", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="leaf_rows", to="cases.streetdigest")),
            ],
            options={
                "verbose_name": "digest leaf",
                "verbose_name_plural": "digest leaves",
                "indexes": [models.Index(fields=["case", "digest"], name="digest_leaf_case")],
                "constraints": [models.UniqueConstraint(fields=("digest", "position"), name="digest_leaf_position")],
            },
        ),
        migrations.CreateModel(
            name="LedgerCheck",
            fields=[
                ("name", models.CharField(max_length=30, primary_key=True, serialize=False)),
                ("last_event_id", models.BigIntegerField(default=0)),
                ("checked_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="checked")),
                ("chains", models.PositiveIntegerField(default=0, verbose_name="histories checked")),
                ("broken", models.PositiveIntegerField(default=0, verbose_name="broken histories found")),
            ],
            options={
                "verbose_name": "history check",
                "verbose_name_plural": "history checks",
            },
        ),
    ]
