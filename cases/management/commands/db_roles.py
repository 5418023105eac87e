"""The serving role of least privilege on PostgreSQL (docs/deploy.md, "Database roles").

Migrations run as the owner of the tables; the web processes and workers connect as a role
that may read and write rows and nothing more: no TRUNCATE, REFERENCES or TRIGGER, and,
since it owns nothing, no ALTER, DROP or DISABLE TRIGGER. The append-only event tables (the
tables carrying an `*_append_only` trigger: cases_event, meetings_meetingevent) give it only
SELECT and INSERT, so history can be added to and never rewritten or wiped.

Prints the SQL, or runs it with --apply, on the database the settings name (connect as the
owner). Idempotent: run it again after every `migrate`, so new tables get their grants and
a new event table loses UPDATE and DELETE.
"""

import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Row privileges only. Never TRUNCATE, REFERENCES or TRIGGER; never ownership.
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
EVENT_PRIVILEGES = "SELECT, INSERT"
SEQUENCE_PRIVILEGES = "USAGE, SELECT, UPDATE"
# The append-only tables known today; the command refuses to run if one is missing (the
# database is not migrated), and protects any other table with such a trigger as well.
EVENT_TABLES = ("cases_event", "meetings_meetingevent")
APPEND_ONLY_TABLES_SQL = r"""
SELECT DISTINCT c.relname
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgname LIKE '%%\_append\_only' AND n.nspname = %s
ORDER BY 1
"""


def append_only_tables(connection, schema):
    with connection.cursor() as cursor:
        cursor.execute(APPEND_ONLY_TABLES_SQL, [schema])
        return [row[0] for row in cursor.fetchall()]


def role_sql(connection, role, password=None):
    """The statements that create or update the serving role and set its grants."""
    if not ROLE_NAME.match(role):
        raise CommandError(_("A role name is lower-case letters, digits and _ (at most 63)."))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema(), current_user")
        database, schema, owner = cursor.fetchone()
    if role == owner:
        raise CommandError(_("The serving role must not be the owner that runs this."))
    events = append_only_tables(connection, schema)
    missing = [table for table in EVENT_TABLES if table not in events]
    if missing:
        raise CommandError(
            _("No append-only trigger on %(tables)s: run migrate first.")
            % {"tables": ", ".join(missing)}
        )
    q = connection.ops.quote_name
    r, s = q(role), q(schema)
    statements = [
        # The role, if it is not there yet, with nothing beyond logging in.
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
        f"THEN CREATE ROLE {r}; END IF; END $$",
        f"ALTER ROLE {r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
        "NOBYPASSRLS INHERIT",
    ]
    if password is not None:
        literal = "'" + password.replace("'", "''") + "'"
        statements.append(f"ALTER ROLE {r} WITH PASSWORD {literal}")
    statements += [
        f"GRANT CONNECT ON DATABASE {q(database)} TO {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        # Start from nothing, so a second run also takes back what an earlier one gave.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        # Tables and sequences the owner creates later (the next migrate) get the same.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {TABLE_PRIVILEGES} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {r}",
    ]
    for table in events:
        statements += [
            f"REVOKE ALL ON TABLE {q(table)} FROM {r}",
            f"GRANT {EVENT_PRIVILEGES} ON TABLE {q(table)} TO {r}",
        ]
    return statements


class Command(BaseCommand):
    help = _(
        "Print (or apply, as the owner) the SQL that sets up the database role the app serves "
        "as: rows read and written, no TRUNCATE, ALTER or triggers, event tables append-only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--app-role", required=True, help=_("The serving role's name, e.g. hongmei_app.")
        )
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help=_("An environment variable holding the role's password (set on the role)."),
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help=_("Run the SQL in one transaction instead of printing it."),
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, app_role, password_env, apply, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(_("Database roles are for PostgreSQL."))
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(
                    _("The environment variable %(name)s is empty or not set.")
                    % {"name": password_env}
                )
        statements = role_sql(connection, app_role, password)
        if not apply:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with transaction.atomic(using=database), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            _("Role %(role)s set up: %(count)s statements applied.")
            % {"role": app_role, "count": len(statements)}
        )
