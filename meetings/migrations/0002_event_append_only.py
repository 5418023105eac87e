"""A meeting's history cannot be rewritten: UPDATE and DELETE on the meeting event table
fail, on PostgreSQL and on SQLite alike, as for case events (cases 0002). Approved minutes
are corrected by appending events."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION meetings_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'meeting events are append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER meetings_event_append_only
    BEFORE UPDATE OR DELETE ON meetings_meetingevent
    FOR EACH ROW EXECUTE FUNCTION meetings_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS meetings_event_append_only ON meetings_meetingevent;
DROP FUNCTION IF EXISTS meetings_event_append_only();
"""

SQLITE_CREATE = [
    """CREATE TRIGGER meetings_event_no_update BEFORE UPDATE ON meetings_meetingevent
       BEGIN SELECT RAISE(ABORT, 'meeting events are append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER meetings_event_no_delete BEFORE DELETE ON meetings_meetingevent
       BEGIN SELECT RAISE(ABORT, 'meeting events are append-only: DELETE refused'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS meetings_event_no_update;",
    "DROP TRIGGER IF EXISTS meetings_event_no_delete;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
