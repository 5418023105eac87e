"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), read from the domain.

- Every active sub-category is a service: service_code is Category.code, group the main
  category's name, the category's questions its attributes.
- Every case is a service request: service_request_id is the case number, status is
  open/closed, our finer state is the common `detailed_status` extension, agency_responsible
  the lead party. Public answers carry no reporter data and no staff notes; phone numbers
  and e-mail addresses inside a description are masked.
- POST files a case through workflow.file_case() with the API key's channel, routed like
  any other case.

The views (integrations.views) turn the plain structures built here into JSON or XML;
every refusal is an Open311Error, rendered as the spec's list of {code, description}.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from cases import privacy, questions, routing, workflow
from cases.models import OPEN_STATES, Area, Case, Category, Reporter, State
from cases.text import clean_text
from cases.workflow import Actor

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml", "json": "application/json"}
MAX_RANGE = timedelta(days=90)
MAX_PAGE_SIZE = 1000
# Beyond these no request can lie: the bounds keep paging and date sums in range.
MAX_PAGE = 100_000
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(480))
LATEST = datetime(2100, 1, 1, tzinfo=timezone.get_fixed_timezone(480))
MAX_DESCRIPTION = 4000
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
CLOSED_STATES = (State.CLOSED, State.REJECTED)

# XML: the element name of one item in each list (the JSON is the Spark mapping of it).
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")


class Open311Error(Exception):
    """A refusal: the HTTP status and the spec's list of (code, description)."""

    def __init__(self, status, *errors, headers=None):
        super().__init__(errors)
        self.status = status
        self.errors = [(code, str(description)) for code, description in errors]
        self.headers = headers or {}

    @classmethod
    def bad(cls, description, code=400):
        return cls(400, (code, description))

    @classmethod
    def not_found(cls, description):
        return cls(404, (404, description))

    @classmethod
    def forbidden(cls, description):
        return cls(403, (403, description))

    def as_list(self):
        return [{"code": code, "description": description} for code, description in self.errors]


# ---------------------------------------------------------------------------- rendering


def w3(value):
    """A datetime as the spec's w3 format, in Shanghai time (+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def to_xml(root, data):
    """Serialise `data` (dicts, lists, scalars) under the element `root`, the spec's way:
    lists repeat their item element, booleans are true/false, None is an empty element."""
    element = ElementTree.Element(root)
    _fill(element, root, data)
    ElementTree.indent(element)
    body = ElementTree.tostring(element, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def _fill(element, name, data):
    if isinstance(data, dict):
        for key, value in data.items():
            _fill(ElementTree.SubElement(element, key), key, value)
    elif isinstance(data, list | tuple):
        for item in data:
            _fill(ElementTree.SubElement(element, ITEM_TAGS[name]), ITEM_TAGS[name], item)
    elif isinstance(data, bool):
        element.text = "true" if data else "false"
    elif data is not None:
        # Rows stored before control characters were refused must not break the feed.
        element.text = clean_text(str(data))


# ---------------------------------------------------------------------------- discovery


def discovery(endpoint_url):
    return {
        "changeset": settings.HONGMEI_OPEN311_CHANGESET,
        "contact": _(
            "Hongmei Street Grid Management Centre (虹梅街道网格化管理中心), Xuhui District, "
            "Shanghai."
        ),
        "key_service": _(
            "API keys are issued by the Grid Management Centre to client systems; ask the "
            "centre's system administrator."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": settings.HONGMEI_OPEN311_CHANGESET,
                "type": settings.HONGMEI_OPEN311_ENDPOINT_TYPE,
                "formats": list(FORMATS.values()),
            }
        ],
    }


# ---------------------------------------------------------------------------- services


def services():
    """Every active sub-category of an active main category, in the form's order."""
    return (
        Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
        .select_related("parent")
        .order_by("parent__order", "order", "code")
    )


def service_for(code):
    category = services().filter(code=code).first()
    if category is None:
        raise Open311Error.not_found(_("No service has the code “%(code)s”.") % {"code": code})
    return category


def service_dict(category):
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": category.description,
        "metadata": bool(_questions(category)),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.label,
    }


def _questions(category):
    return [q for q in questions.ordered(category) if q.get("datatype") in DATATYPES]


def definition_dict(category):
    attributes = []
    for position, question in enumerate(_questions(category), start=1):
        values = None
        if question["datatype"] in ("singlevaluelist", "multivaluelist"):
            values = [
                {"key": str(v["key"]), "name": questions.text(v, "name")}
                for v in question.get("values", [])
            ]
        attribute = {
            "variable": True,
            "code": question["code"],
            "datatype": question["datatype"],
            "required": questions.is_required(question),
            "datatype_description": None,
            "order": question.get("order") or position,
            "description": questions.text(question, "label"),
        }
        if values is not None:
            attribute["values"] = values
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


# ---------------------------------------------------------------------------- requests


def request_dict(case):
    """One service request as the public sees it: no reporter, no staff notes."""
    closed = case.state in CLOSED_STATES
    updated = case.closed_at if case.state == State.CLOSED and case.closed_at else case.updated_at
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "detailed_status": case.state,
        "status_notes": case.get_state_display(),
        "service_name": case.category.label,
        "service_code": case.category.code,
        "description": privacy.mask_text(case.description),
        "agency_responsible": case.lead_party.label if case.lead_party_id else None,
        "service_notice": None,
        "requested_datetime": w3(case.created_at),
        "updated_datetime": w3(updated),
        "expected_datetime": w3(case.resolve_due) if not closed else None,
        "address": privacy.mask_text(case.address) or None,
        "address_id": case.area.code if case.area_id else None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": case.media_url or None,
    }


def _requests():
    """The cases Open311 shows: those of publicly listed categories."""
    return (
        Case.objects.filter(category__is_public=True)
        .select_related("category", "lead_party", "area")
        .order_by("-created_at", "-id")
    )


def request_for(number):
    case = _requests().filter(number=number).first()
    if case is None:
        raise Open311Error.not_found(_("No service request has the id “%(id)s”.") % {"id": number})
    return case


def request_for_token(token):
    """A case's tracking token (the reporter's private link) resolves to its request id."""
    case = Case.objects.filter(token=token).only("number", "token").first()
    if case is None:
        raise Open311Error.not_found(_("This token is unknown."))
    return {"service_request_id": case.number, "token": case.token}


@dataclass
class Query:
    ids: list = field(default_factory=list)
    codes: list = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list = field(default_factory=list)
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


def parse_query(params, now=None):
    """The GET requests arguments, checked; defaults as the spec says: the last 90 days,
    at most 1000 requests (page / page_size: the common paging extension)."""
    now = now or timezone.now()
    errors = []
    query = Query(ids=_list(params, "service_request_id"), codes=_list(params, "service_code"))
    start = _moment(params, "start_date", errors)
    end = _moment(params, "end_date", errors)
    for status in _list(params, "status"):
        if status not in ("open", "closed"):
            errors.append(_("status must be open or closed."))
        elif status not in query.statuses:
            query.statuses.append(status)
    query.page = _integer(params, "page", 1, 1, MAX_PAGE, errors)
    query.page_size = _integer(params, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    if not errors:
        if start is None and end is None:
            end = now
        if start is None:
            start = end - MAX_RANGE
        if end is None:
            end = start + MAX_RANGE
        if end < start:
            errors.append(_("end_date must not be before start_date."))
        elif end - start > MAX_RANGE:
            errors.append(_("start_date and end_date may not span more than 90 days."))
    if errors:
        raise Open311Error(400, *[(400, e) for e in errors])
    query.start, query.end = start, end
    return query


def find_requests(query):
    """The page of requests the query asks for, newest first. Several ids override every
    other argument, as the spec says."""
    cases = _requests()
    if query.ids:
        cases = cases.filter(number__in=query.ids)
    else:
        cases = cases.filter(created_at__gte=query.start, created_at__lte=query.end)
        if query.codes:
            cases = cases.filter(category__code__in=query.codes)
        if query.statuses == ["open"]:
            cases = cases.filter(state__in=OPEN_STATES)
        elif query.statuses == ["closed"]:
            cases = cases.filter(state__in=CLOSED_STATES)
    offset = (query.page - 1) * query.page_size
    return list(cases[offset : offset + query.page_size])


def _list(params, name):
    values = []
    for raw in params.getlist(name):
        raw = clean_text(raw, multiline=False)  # a NUL would reach PostgreSQL otherwise
        values += [v.strip() for v in raw.split(",") if v.strip()]
    return values


def _moment(params, name, errors):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    raw = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw)
    try:
        value = parse_datetime(raw)
        if value is None and parse_date(raw) is not None:
            value = datetime.combine(parse_date(raw), time.min)
    except ValueError:
        value = None
    if value is None:
        errors.append(
            _("%(name)s must be a date and time such as 2026-01-01T00:00:00+08:00.")
            % {"name": name}
        )
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST <= value < LATEST:
        errors.append(_("%(name)s must lie between 2000-01-01 and 2099-12-31.") % {"name": name})
        return None
    return value


def _integer(params, name, default, low, high, errors):
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        limits = {"name": name, "low": low, "high": high}
        if high is None:
            errors.append(_("%(name)s must be a whole number from %(low)s.") % limits)
        else:
            errors.append(_("%(name)s must be a whole number from %(low)s to %(high)s.") % limits)
        return default
    return value


# ---------------------------------------------------------------------------- POST


def create_request(key, params):
    """File the case a client system asks for. Returns the created case, or raises an
    Open311Error listing everything wrong; a refused request creates nothing."""
    params = _plain(params)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error.bad(_("service_code was not provided."))
    category = service_for(code)
    errors = _markup(params)
    place = _location(params, errors)
    answers = _answers(category, params, errors)
    description = _description(params, category, errors)
    media_url = _media_url(params, errors)
    contact = _contact(params, errors)
    if errors:
        raise Open311Error(400, *[(400, e) for e in errors])
    try:
        with transaction.atomic():
            reporter = Reporter.objects.create(**contact) if any(contact.values()) else None
            return workflow.file_case(
                actor=Actor.system(f"API key {key.name}"[:100]),
                category=category,
                description=description,
                channel=key.channel,
                api_key=key,
                reporter=reporter,
                answers=answers,
                media_url=media_url,
                route=True,
                **place,
            )
    except workflow.WorkflowError as error:
        raise Open311Error.bad(str(error)) from error


def _plain(params):
    """The arguments without control characters (cases.text); only the description and
    the answers keep their lines."""
    plain = params.copy()
    for key in plain:
        multiline = key == "description" or key.startswith("attribute[")
        plain.setlist(key, [clean_text(v, multiline=multiline) for v in params.getlist(key)])
    return plain


def _markup(params):
    """One rule for every argument a client sends (description, address_string, names,
    answers, …): plain text, no HTML or code; an error names each argument that breaks it."""
    return [
        _("%(name)s must be plain text, without HTML or code.") % {"name": key}
        for key in params
        if any(_MARKUP.search(value) for value in params.getlist(key))
    ]


def service_notice(case):
    if case.lead_party_id:
        return _("Sent to %(party)s.") % {"party": case.lead_party.label}
    return _("Received; the operations centre will send it to the party that must act.")


def _location(params, errors):
    lat, lng = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    address = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    place = {"address": address[:200]}
    if lat or lng:
        try:
            place["lat"], place["lng"] = float(lat), float(lng)
        except ValueError:
            errors.append(_("lat and long must both be given as decimal degrees (WGS84)."))
            return place
        if not (-90 <= place["lat"] <= 90 and -180 <= place["lng"] <= 180):
            errors.append(_("lat and long are not a point on Earth."))
            return place
        place["area"] = routing.area_for_point(place["lat"], place["lng"])
        if place["area"] is None:
            errors.append(_("This location is outside Hongmei Street."))
    elif address_id:
        place["area"] = Area.objects.filter(code=address_id).first()
        if place["area"] is None:
            errors.append(_("address_id “%(id)s” is unknown.") % {"id": address_id})
    elif not address:
        errors.append(_("Give the location: lat and long, address_string or address_id."))
    if len(address) > 200:
        errors.append(_("address_string must be at most 200 characters."))
    return place


def _description(params, category, errors):
    description = (params.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.append(_("description must be at most 4000 characters."))
    # The spec makes the description optional; a case needs one, so the service names it.
    return description or category.name


def _media_url(params, errors):
    url = (params.get("media_url") or "").strip()
    if not url:
        return ""
    try:
        if len(url) > 500:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors.append(_("media_url must be an http or https address of at most 500 characters."))
        return ""
    return url


def _contact(params, errors):
    first = (params.get("first_name") or "").strip()
    last = (params.get("last_name") or "").strip()
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in first + last)
    name = f"{last}{first}" if cjk else f"{first} {last}".strip()
    email = (params.get("email") or "").strip()
    phone = (params.get("phone") or "").strip()
    if len(name) > 50:
        errors.append(_("first_name and last_name must be at most 50 characters together."))
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors.append(_("email is not an e-mail address."))
    if phone and not re.fullmatch(r"\+?[\d\s-]{5,20}", phone):
        errors.append(_("phone is not a phone number."))
    return {"name": name[:50], "email": email, "phone": phone[:20]}


def _answers(category, params, errors):
    """attribute[CODE]=value, and attribute[CODE][]=value for each value of a list."""
    asked = {q["code"]: q for q in _questions(category)}
    given = {}
    for key in params:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if match is None:
            continue
        values = [v.strip() for v in params.getlist(key) if v.strip()]
        given.setdefault(match.group(1), []).extend(values)
    answers = {}
    for code in given:
        if code not in asked:
            errors.append(_("This service has no attribute “%(code)s”.") % {"code": code})
    for code, question in asked.items():
        values = given.get(code, [])
        if not values:
            if questions.is_required(question):
                errors.append(_("attribute[%(code)s] is required.") % {"code": code})
            continue
        value = _answer(question, values)
        if value is None:
            errors.append(_("attribute[%(code)s] has a value it cannot take.") % {"code": code})
        else:
            answers[code] = value
    return answers


def _answer(question, values):
    datatype = question["datatype"]
    keys = {str(v["key"]) for v in question.get("values", [])}
    if datatype == "multivaluelist":
        return values if all(v in keys for v in values) else None
    if len(values) != 1:
        return None
    value = values[0]
    if datatype == "singlevaluelist":
        return value if value in keys else None
    if datatype == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        return int(number) if number == number.to_integral_value() else float(number)
    if datatype == "datetime":
        try:
            moment = parse_datetime(value)
        except ValueError:
            return None
        if moment is None:
            return None
        return w3(moment if timezone.is_aware(moment) else timezone.make_aware(moment))
    if datatype == "string" and ("\n" in value or len(value) > 200):
        return None
    return value[:MAX_DESCRIPTION]
