"""History cannot be rewritten: UPDATE and DELETE on the event table fail, on PostgreSQL
and on SQLite alike. (PostgreSQL's TRUNCATE, used by test teardown and full resets, is not a
row operation and stays possible for the database owner.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cases_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'case events are append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cases_event_append_only
    BEFORE UPDATE OR DELETE ON cases_event
    FOR EACH ROW EXECUTE FUNCTION cases_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS cases_event_append_only ON cases_event;
DROP FUNCTION IF EXISTS cases_event_append_only();
"""


SQLITE_CREATE = [
    """CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON cases_event
       BEGIN SELECT RAISE(ABORT, 'case events are append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER cases_event_no_delete BEFORE DELETE ON cases_event
       BEGIN SELECT RAISE(ABORT, 'case events are append-only: DELETE refused'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_event_no_update;",
    "DROP TRIGGER IF EXISTS cases_event_no_delete;",
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
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
