"""Least privilege in the database (issue 14): the role the app serves as, set up by
`manage.py db_roles`, reads and writes rows but cannot wipe, alter or unprotect history.

The command's SQL runs in the test database as the owner; the test then acts as the serving
role on the same connection (SET ROLE drops the superuser's rights) and tries what an
attacker with the app's credentials would. Roles are cluster-wide: each run uses its own
name and drops it afterwards."""

import io
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cases.models import Event, Party, State
from tests import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's"
)

EVENT_TABLES = ("cases_event", "meetings_meetingevent")


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture
def app_role(db):
    role = f"hm_test_app_{uuid.uuid4().hex[:12]}"
    yield role
    execute("RESET ROLE")
    if execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]):
        execute(f'DROP OWNED BY "{role}"')
        execute(f'DROP ROLE "{role}"')
    # The test's transaction is rolled back, and the role with it; should it have been
    # committed anyway, drop it from a connection of its own.
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        if other.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            other.execute(f'DROP OWNED BY "{role}"')
            other.execute(f'DROP ROLE "{role}"')


@contextmanager
def acting_as(role):
    execute(f'SET ROLE "{role}"')
    try:
        assert execute("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")[
            0
        ] == (role, False)
        yield
    finally:
        execute("RESET ROLE")


def refused(sql):
    """The statement fails for want of a privilege or of ownership (a savepoint keeps the
    test's transaction usable)."""
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        execute(sql)
    message = str(error.value)
    assert "permission denied" in message or "must be owner" in message, message


def test_the_serving_role_cannot_wipe_alter_or_unprotect_history(street, app_role):
    case = factories.case_in(street, State.DISPATCHED)
    call_command("db_roles", app_role=app_role, apply=True, stdout=io.StringIO())

    with acting_as(app_role):
        for table in EVENT_TABLES:
            refused(f"TRUNCATE {table} CASCADE")
            refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            refused(f"ALTER TABLE {table} ADD COLUMN wiped boolean")
            refused(f"DROP TABLE {table} CASCADE")
            refused(f"UPDATE {table} SET kind = 'rewritten'")  # noqa: S608 - a constant
            refused(f"DELETE FROM {table}")  # noqa: S608 - a constant
        refused("ALTER TABLE cases_event DISABLE TRIGGER cases_event_append_only")
        refused("ALTER TABLE cases_event RENAME TO cases_event_old")
        # No TRUNCATE and no triggers anywhere, not only on the event tables.
        refused("TRUNCATE cases_case CASCADE")
        refused("ALTER TABLE cases_case ADD COLUMN x integer")
        refused(
            "CREATE TRIGGER t BEFORE UPDATE ON cases_case FOR EACH ROW "
            "EXECUTE FUNCTION cases_event_append_only()"
        )

        # What the app does still works: reading history, filing and acting (INSERT and
        # UPDATE on cases, INSERT on events, sequences), changing configuration.
        assert Event.objects.filter(case=case).count() == 2  # filed, dispatched
        assert execute("SELECT count(*) FROM meetings_meetingevent")[0][0] >= 0
        fresh = factories.new_case(street)
        factories.act(
            street, fresh, "dispatch", "dispatcher", lead_party=street.parties["rc-qinbei"]
        )
        fresh.refresh_from_db()
        assert fresh.state == State.DISPATCHED
        assert Event.objects.filter(case=fresh).count() == 2
        Party.objects.filter(code="rc-qinbei").update(name_en="Qinbei RC")
        execute(
            "INSERT INTO cases_event (case_id, kind, actor_role, cause, from_state, to_state, "
            "note, data, created_at, seq, nonce, content_hash, prev_hash, chain_hash) "
            "VALUES (%s, 'note', '', 'test', '', '', 'x', '{}', now(), 3, '', '', '', '')",
            [fresh.pk],
        )


def test_the_sql_grants_rows_only_and_events_append_only(db, app_role):
    out = io.StringIO()
    call_command("db_roles", app_role=app_role, stdout=out)
    sql = out.getvalue()
    grants = [line for line in sql.splitlines() if line.startswith(("GRANT", "ALTER DEFAULT"))]
    assert grants and not any(
        word in line
        for line in grants
        for word in ("TRUNCATE", "REFERENCES", "TRIGGER", "GRANT ALL", "ALL PRIVILEGES")
    )
    for table in EVENT_TABLES:
        assert f'REVOKE ALL ON TABLE "{table}" FROM "{app_role}";' in sql
        assert f'GRANT SELECT, INSERT ON TABLE "{table}" TO "{app_role}";' in sql
    assert "PASSWORD" not in sql
    # Printing changes nothing.
    assert not execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])


def test_the_password_comes_from_the_environment(db, app_role, monkeypatch):
    monkeypatch.setenv("HM_TEST_APP_PASSWORD", "it's secret")
    out = io.StringIO()
    call_command("db_roles", app_role=app_role, password_env="HM_TEST_APP_PASSWORD", stdout=out)
    assert f"""ALTER ROLE "{app_role}" WITH PASSWORD 'it''s secret';""" in out.getvalue()
    monkeypatch.delenv("HM_TEST_APP_PASSWORD")
    with pytest.raises(CommandError):
        call_command("db_roles", app_role=app_role, password_env="HM_TEST_APP_PASSWORD")


@pytest.mark.parametrize("name", ["Hongmei", "app; DROP TABLE cases_case", "", "x" * 64])
def test_a_role_name_is_a_plain_identifier(db, name):
    with pytest.raises(CommandError):
        call_command("db_roles", app_role=name, stdout=io.StringIO())


def test_applying_twice_is_the_same_as_once(db, app_role):
    call_command("db_roles", app_role=app_role, apply=True, stdout=io.StringIO())
    execute(f'GRANT TRUNCATE ON cases_event TO "{app_role}"')  # a mistake made by hand
    call_command("db_roles", app_role=app_role, apply=True, stdout=io.StringIO())
    assert execute(
        "SELECT has_table_privilege(%s, 'cases_event', 'TRUNCATE'), "
        "has_table_privilege(%s, 'cases_event', 'INSERT')",
        [app_role, app_role],
    ) == [(False, True)]
