"""What people see when the server cannot answer: plain pages, no traceback, no database.

With DEBUG off Django renders these for an uncaught exception. When the exception is the
database being away (PostgreSQL restarting, a failover, too many connections), the answer
is 503 with Retry-After instead of 500: the request did nothing, and trying again shortly
will work. The pages use no context processor and touch neither the database nor the
session, so they render while the database is down.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

# The errors that mean "the database could not be reached or dropped the connection",
# as opposed to a bug (IntegrityError, ProgrammingError, ...), which stays a 500.
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, UNAVAILABLE):
            return True
        error = error.__cause__ or error.__context__
    return False


def server_error(request, template_name="500.html"):
    """handler500: 503 if the database is away, else the plain 500 page."""
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = HttpResponse(loader.render_to_string(template_name), status=500)
    response["Cache-Control"] = "no-store"
    return response
