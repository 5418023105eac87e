"""The staff API against its own schema: schemathesis generates requests from /api/schema/
(valid and invalid ones, and sequences following the links it infers between operations)
and sends them through the WSGI app with a dispatcher's token. Every response is checked
with every check schemathesis has: no server error, the status, content type, headers and
body the schema documents, valid data accepted, invalid data refused, authentication not
ignored, no stale resources.

Bounded (a few examples per operation and mode, derandomized) so it runs in seconds."""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cases.models import State
from hongmei.wsgi import application
from tests import factories

EXAMPLES = 12  # per operation and generation mode


def refuses_only_what_the_schema_cannot_say(ctx, response, case):
    """positive_data_acceptance, except where the schema cannot tell valid from invalid.

    A `cursor` is opaque: the schema can only say "a string", yet only cursors this API
    wrote can be read, and any other is a 400 naming `cursor` (docs/security.md). Such a
    400 is not a valid request refused; every other refusal of valid data still fails."""
    if response.status_code == 400 and "cursor" in (case.query or {}):
        return None
    return positive_data_acceptance(ctx, response, case)


def every_check():
    checks = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]
    assert len(checks) >= 10, checks
    return [*checks, refuses_only_what_the_schema_cannot_say]


@pytest.fixture
def wsgi_in_transaction():
    """The app runs inside the test's transaction, so it must not close the connection
    after each request (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(street, wsgi_in_transaction):
    for state in (State.REPORTED, State.DISPATCHED, State.IN_PROGRESS, State.RESOLVED):
        factories.case_in(street, state)
    token = Token.objects.create(user=street.users["dispatcher"]).key
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_in_transaction)
    # Given as the run's own headers (not per call), so the auth checks know the token is
    # the valid one and try the operations without it and with a wrong one.
    schema.config.update(headers={"Authorization": f"Token {token}"})
    return schema


def test_every_answer_is_what_the_schema_says(api_schema):
    schema = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    checks = every_check()
    answered = Counter()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case):
                response = case.call_and_validate(checks=checks)
                answered[response.status_code // 100] += 1

            fuzz()

    # The fuzz reached the views (accepted and refused requests), not only the door.
    assert answered[2] > 0 and answered[4] > 0 and set(answered) <= {2, 4}


def test_sequences_following_the_links(api_schema):
    """Stateful: a list's numbers and codes feed the operations on one object."""
    schema = api_schema
    checks = every_check()

    class Machine(schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=(), **kwargs):
            case.validate_response(response, checks=checks, transport_kwargs=kwargs)

    assert Machine.bundles, "schemathesis found no links between the operations"
    Machine.run(
        settings=settings(
            max_examples=10,
            stateful_step_count=4,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
