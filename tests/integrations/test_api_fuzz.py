"""A property-based fuzz of the staff API: schemathesis generates requests from
/api/schema/ (valid and invalid ones) and sends them through the WSGI app with a
dispatcher's token. No request may end in a server error."""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from cases.models import State
from hongmei.wsgi import application
from tests import factories


@pytest.fixture
def wsgi_in_transaction():
    """The app runs inside the test's transaction, so it must not close the connection
    after each request (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_request_makes_a_server_error(street, wsgi_in_transaction):
    for state in (State.REPORTED, State.DISPATCHED, State.IN_PROGRESS, State.RESOLVED):
        factories.case_in(street, state)
    token = Token.objects.create(user=street.users["dispatcher"]).key
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_in_transaction)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    @settings(
        max_examples=25 * len(operations),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        response = case.call_and_validate(
            headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error]
        )
        answered[response.status_code // 100] += 1

    answered = Counter()
    fuzz()
    # The fuzz reached the views (accepted and refused requests), not only the door.
    assert answered[2] > 0 and answered[4] > 0 and set(answered) <= {2, 4}
