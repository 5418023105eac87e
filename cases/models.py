"""The domain of the case tracker: who acts (parties, memberships), where (areas), on what
(categories, routing rules), and the cases themselves with their append-only history.

A case's state is written only by cases.workflow.perform(); see docs/workflow.md.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.i18n import localised
from cases.people import Role, handler_party_ids, is_street_wide


def new_token():
    """192 random bits, URL-safe: the private tracking link of a case or follower."""
    return secrets.token_urlsafe(24)


class Bilingual(models.Model):
    """A name kept in Chinese with an optional English form for the English UI."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localised(self.name, self.name_en)


class State(models.TextChoices):
    REPORTED = "reported", _("Awaiting intake")
    DISPATCHED = "dispatched", _("Awaiting acceptance")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_MEETING = "awaiting_meeting", _("Awaiting joint meeting")
    RESOLVED = "resolved", _("Awaiting verification")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Not accepted as a case")


OPEN_STATES = (
    State.REPORTED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.AWAITING_MEETING,
    State.RESOLVED,
)


class Party(Bilingual):
    class Kind(models.TextChoices):
        STREET_OFFICE = "street_office", _("Street office")
        OPERATIONS_CENTRE = "operations_centre", _("Operations centre")
        RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
        PROPERTY_COMPANY = "property_company", _("Property company")
        MERCHANT_ASSOCIATION = "merchant_association", _("Merchant association")
        ENFORCEMENT = "enforcement", _("City-management enforcement")
        MARKET_SUPERVISION = "market_supervision", _("Market supervision")
        GREENING = "greening", _("Greening and city appearance")
        POLICE = "police", _("Police station")
        PARK_MANAGEMENT = "park_management", _("Park management")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    area = models.ForeignKey(
        "Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("The area this party looks after, if any."),
    )
    email = models.EmailField(_("duty e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(
        _("demo"), default=False, help_text=_("Invented for the demo street; not a real body.")
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["kind", "name"]


class Membership(models.Model):
    """A staff user's place in a party, carrying the role they act in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "party", "role"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.party} · {self.get_role_display()}"


class Area(Bilingual):
    class Kind(models.TextChoices):
        STREET = "street", _("Street")
        COMMUNITY = "community", _("Community (residents' committee)")
        PARK = "park", _("Business park")
        COMPOUND = "compound", _("Residential compound")
        ROAD = "road", _("Road segment")
        BUILDING = "building", _("Building")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("GeoJSON Polygon or MultiPolygon geometry in WGS84 (longitude, latitude)."),
    )
    is_approximate = models.BooleanField(
        _("approximate boundary"),
        default=False,
        help_text=_("The outline is drawn roughly for the demo, not surveyed."),
    )
    is_demo = models.BooleanField(_("demo"), default=False)
    is_selectable = models.BooleanField(
        _("offered to reporters"),
        default=True,
        help_text=_("Listed when a reporter picks a compound or road instead of a map point."),
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["depth", "name"]

    def save(self, *args, **kwargs):
        self.depth = self.parent.depth + 1 if self.parent_id else 0
        super().save(*args, **kwargs)

    def ancestors(self):
        """This area and its parents, deepest first."""
        area, chain = self, []
        while area is not None:
            chain.append(area)
            area = area.parent
        return chain


class Category(Bilingual):
    """A kind of street problem, with the time limits that apply to it.

    Limits are in working hours (a working day is the office hours of one day, 8 hours by
    default), or in calendar hours for urgent categories.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("main category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    is_common = models.BooleanField(
        _("common"), default=False, help_text=_("Shown as a large choice on the public form.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    is_public = models.BooleanField(
        _("listed publicly"),
        default=True,
        help_text=_(
            "Cases of this category appear in public lists (Open311 requests, reports nearby). "
            "Turn it off for sensitive matters such as group renting."
        ),
    )
    is_urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Limits run in calendar hours, day and night.")
    )
    accept_hours = models.PositiveIntegerField(_("accept within (hours)"), default=2)
    contact_hours = models.PositiveIntegerField(_("first contact within (hours)"), default=8)
    resolve_hours = models.PositiveIntegerField(_("resolve within (hours)"), default=40)
    verify_hours = models.PositiveIntegerField(_("verify within (hours)"), default=8)
    report_photo_required = models.BooleanField(_("photo required to report"), default=False)
    evidence_required = models.BooleanField(_("evidence photo required to resolve"), default=False)
    questions = models.JSONField(
        _("questions"),
        default=list,
        blank=True,
        help_text=_(
            "Extra questions for reporters: a list of objects with code, label, label_en, "
            "datatype (string, number, text, datetime, singlevaluelist, multivaluelist), "
            "required, order and values (a list of {key, name})."
        ),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]

    @property
    def is_leaf(self):
        return self.parent_id is not None


class StandardReply(models.Model):
    """A ready-made text staff can pick when writing a note or result."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="standard_replies",
        help_text=_("Empty: offered for every category."),
    )
    text = models.TextField(_("text"))
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("standard reply")
        verbose_name_plural = _("standard replies")
        ordering = ["order", "id"]

    def __str__(self):
        return self.text[:40]


class RoutingRule(models.Model):
    """(category, area) → lead party. The most specific matching rule wins: deeper area,
    then sub-category over main category over any, then higher priority."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("A main category covers its sub-categories; empty covers all."),
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Covers the area and everything inside it; empty covers the whole street."),
    )
    lead_party = models.ForeignKey(
        Party, verbose_name=_("lead party"), on_delete=models.PROTECT, related_name="+"
    )
    co_parties = models.ManyToManyField(
        Party, verbose_name=_("co-parties"), blank=True, related_name="+"
    )
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"),
        default=False,
        help_text=_("Dispatch new cases at once instead of waiting for a dispatcher."),
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category", "area", "-priority"]

    def __str__(self):
        anywhere = _("anywhere")
        anything = _("any category")
        return f"{self.category or anything} @ {self.area or anywhere} → {self.lead_party}"


class CalendarDay(models.Model):
    """A day that breaks the weekday rule: a statutory holiday on a weekday, or a make-up
    working day (调休) on a weekend. Loaded from the chinese-calendar package for the years it
    knows; the next year's schedule is entered here when the State Council announces it."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)
    from_package = models.BooleanField(_("from the calendar package"), default=False)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class Reporter(models.Model):
    """Whoever filed or follows a case from outside. Personal data lives here only, so that
    anonymising a reporter leaves every case and event intact."""

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        MERCHANT = "merchant", _("Merchant")
        OFFICE_WORKER = "office_worker", _("Office worker")
        OTHER = "other", _("Other")

    kind = models.CharField(_("who"), max_length=20, choices=Kind.choices, default=Kind.RESIDENT)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")

    def __str__(self):
        return self.name or self.get_kind_display()

    @property
    def has_contact(self):
        return bool(self.phone or self.email)


class Sequence(models.Model):
    """Counters for readable case numbers, one row per year."""

    name = models.CharField(max_length=30, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")

    def __str__(self):
        return f"{self.name}={self.value}"


def _case_channels():
    return Case.Channel.choices


class ApiKey(models.Model):
    """A client system's key (the 12345 link, a mini-program). Only a hash is stored;
    the secret is shown once, when the key is made (integrations.keys)."""

    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=_case_channels,
        help_text=_("Cases filed with this key are recorded as coming from this channel."),
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    requests_per_minute = models.PositiveIntegerField(_("requests per minute"), default=60)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now=None):
        """Open cases past the deadline of their current step (see Case.due_at)."""
        return self.filter(due_at__lt=now or timezone.now())

    def visible_to(self, user):
        """The cases `user` may read: all for street-wide roles, else their parties' cases
        (as lead party or as co-party)."""
        if not user.is_authenticated:
            return self.none()
        if is_street_wide(user):
            return self
        party_ids = handler_party_ids(user)
        if not party_ids:
            return self.none()
        shared = Share.objects.filter(case=OuterRef("pk"), party_id__in=party_ids, is_active=True)
        return self.filter(Q(lead_party_id__in=party_ids) | Exists(shared))


class Case(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Public form")
        PATROL = "patrol", _("Inspector patrol")
        HOTLINE = "12345", _("12345 hotline")
        OPEN311 = "open311", _("Open311 client")
        API = "api", _("Staff API")
        PHONE = "phone", _("Phone / walk-in")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    number = models.CharField(_("case number"), max_length=24, unique=True, editable=False)
    token = models.CharField(
        _("tracking token"), max_length=64, unique=True, default=new_token, editable=False
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    description = models.TextField(_("description"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    media_url = models.URLField(
        _("media link"),
        max_length=500,
        blank=True,
        default="",
        db_default="",  # bulk loads (demo/synthetic.py) COPY rows without this column
        help_text=_("A link to a photo or video given by the client system; never fetched."),
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT
    )
    reporter = models.ForeignKey(
        Reporter,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("API key"), null=True, blank=True, on_delete=models.PROTECT
    )
    external_id = models.CharField(
        _("original number"),
        max_length=50,
        blank=True,
        help_text=_("The number given by the system the case came from, e.g. a 12345 order."),
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.REPORTED, editable=False
    )
    lead_party = models.ForeignKey(
        Party,
        verbose_name=_("lead party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_cases",
    )
    co_parties = models.ManyToManyField(
        Party,
        verbose_name=_("co-parties"),
        through="Share",
        blank=True,
        related_name="shared_cases",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )

    # Deadlines of the current round, set by the workflow at dispatch.
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    contact_due = models.DateTimeField(_("contact reporter by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    verify_due = models.DateTimeField(_("verify by"), null=True, blank=True)
    external_due = models.DateTimeField(_("deadline of the original system"), null=True, blank=True)
    # The deadline of the step the case waits for now (accept, resolve or verify); empty when
    # no clock runs. Overdue means due_at < now: one indexed column serves every queue.
    due_at = models.DateTimeField(_("current deadline"), null=True, blank=True)
    extension_requested_until = models.DateTimeField(
        _("extension requested until"), null=True, blank=True
    )

    created_at = models.DateTimeField(_("filed"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("reporter contacted"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("supervised"), null=True, blank=True)
    disputed_at = models.DateTimeField(_("disputed by reporter"), null=True, blank=True)

    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopenings"), default=0)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=15, choices=Satisfaction.choices, blank=True
    )
    # Words of the description and address (jieba, cases/search.py), PostgreSQL only; its
    # GIN index and the trigram index on description are made in the migration, since
    # SQLite (make run) cannot build them.
    search = SearchVectorField(null=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # Queues: one state, newest or most urgent first, keyset on id.
            models.Index(fields=["state", "created_at", "id"], name="case_state_created"),
            models.Index(fields=["state", "due_at", "id"], name="case_state_due"),
            # A party's queues (handlers).
            models.Index(fields=["lead_party", "state", "due_at"], name="case_party_state_due"),
            # Deadline sweeps and "overdue" tabs touch only cases with a running clock.
            models.Index(
                fields=["due_at"], name="case_due_running", condition=Q(due_at__isnull=False)
            ),
            models.Index(
                fields=["contact_due"],
                name="case_contact_pending",
                condition=Q(contact_due__isnull=False, contacted_at__isnull=True),
            ),
            models.Index(fields=["created_at", "id"], name="case_created"),
            models.Index(fields=["category", "lat", "lng"], name="case_category_point"),
            models.Index(fields=["area", "state"], name="case_area_state"),
            models.Index(fields=["closed_at"], name="case_closed"),
            # Portal queues (portal/queues.py): open cases newest first, supervised and
            # disputed cases; each a small partial index.
            models.Index(
                fields=["created_at", "id"],
                name="case_open_created",
                condition=Q(state__in=OPEN_STATES),
            ),
            models.Index(
                fields=["due_at", "id"], name="case_open_due", condition=Q(state__in=OPEN_STATES)
            ),
            models.Index(
                fields=["supervised_at", "id"],
                name="case_supervised_open",
                condition=Q(supervised_at__isnull=False, state__in=OPEN_STATES),
            ),
            models.Index(
                fields=["disputed_at", "id"],
                name="case_disputed",
                condition=Q(disputed_at__isnull=False),
            ),
            # The dispatcher's "new" and "returned" tabs: their counts read the index only.
            models.Index(
                fields=["created_at", "id"],
                name="case_new",
                condition=Q(state="reported", return_count=0),
            ),
            models.Index(
                fields=["created_at", "id"],
                name="case_returned",
                condition=Q(state="reported", return_count__gt=0),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="case_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="case_state_valid"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("track", args=[self.token])

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    def is_overdue(self, now=None):
        return self.due_at is not None and self.due_at < (now or timezone.now())

    @property
    def calendar_hours(self):
        """Whether this case's limits run in calendar hours instead of working hours."""
        return self.category.is_urgent or self.priority == self.Priority.URGENT


class Share(models.Model):
    """A co-party's part (协办) in a case: it sees the case and reports on its share."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="shares")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    report = models.TextField(_("report"), blank=True)

    class Meta:
        verbose_name = _("co-party share")
        verbose_name_plural = _("co-party shares")
        constraints = [models.UniqueConstraint(fields=["case", "party"], name="share_unique")]
        indexes = [models.Index(fields=["party", "is_active", "case"], name="share_party")]

    def __str__(self):
        return f"{self.case} · {self.party}"


class Follower(models.Model):
    """A reporter who follows a case they did not file (a nearby duplicate they joined, or a
    rejected duplicate merged into it). Their own token lets them watch, not act."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="follows")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["case", "reporter"], name="follower_unique")]

    def __str__(self):
        return f"{self.case} · {self.reporter}"


class Event(models.Model):
    """One step in a case's history. Append-only: on PostgreSQL a trigger refuses UPDATE and
    DELETE. Never holds a reporter's contact details."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("acting as"), max_length=20)
    actor_party = models.ForeignKey(
        Party,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause = models.CharField(
        _("system cause"), max_length=100, blank=True, help_text=_("Set when no person acted.")
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="event_case_time"),
            models.Index(fields=["kind", "created_at"], name="event_kind_time"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def changes_state(self):
        return bool(self.to_state)


def attachment_path(instance, filename):
    """Random names, sharded by date: nothing of the upload's own name is kept."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"cases/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("Photo from the report")
        EVIDENCE = "evidence", _("Evidence of the result")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    is_public = models.BooleanField(_("shown to the reporter"), default=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["case", "kind"], name="attachment_case_kind")]

    def __str__(self):
        return self.file.name


# Reopening is open to a dissatisfied reporter for this long after closure.
REOPEN_WINDOW = timedelta(days=7)


class SavedFilter(models.Model):
    """A staff user's named case-list filter: the list page's query string."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filter"), max_length=1000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique")]

    def __str__(self):
        return self.name


class Submission(models.Model):
    """One send of the public form, by its idempotency key: pressing send twice, refreshing
    or going back and sending again finds this row and shows the first result instead of
    filing a second case. Holds the case filed, or the follower created instead."""

    key = models.CharField(_("idempotency key"), max_length=64, unique=True, editable=False)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE
    )
    follower = models.ForeignKey(
        Follower, verbose_name=_("follower"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self):
        return self.key[:8]

    @property
    def token(self):
        """The private token the sender tracks with: their case's, or their follower's."""
        return self.follower.token if self.follower_id else self.case.token


# ---------------------------------------------------------------------------- automation
# Notifications (the outbox), alarms (the sweeps' work list) and staff preferences for
# messages; see cases/notifications.py, cases/alarms.py and docs/operations.md.


def message_languages():
    return settings.LANGUAGES


class StaffProfile(models.Model):
    """A staff user's preferences for the messages the system sends them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    language = models.CharField(
        _("language of messages"),
        max_length=10,
        choices=message_languages,
        default="zh-hans",
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)


class NotificationQuerySet(models.QuerySet):
    def in_app(self, user):
        return self.filter(user=user, channel=Notification.Channel.APP)

    def unread(self, user):
        return self.in_app(user).filter(read_at__isnull=True)

    def due(self, now):
        """Rows a delivery must (re)try now: waiting ones whose time has come, and claimed
        ones whose worker vanished before finishing (the claim has expired)."""
        return self.filter(
            status__in=(Notification.Status.PENDING, Notification.Status.SENDING),
            attempt_at__lte=now,
        )


class Notification(models.Model):
    """One message to one person on one channel: the outbox. Rows are written in the
    transaction of the event that causes them and delivered after commit; a sweep retries
    what is still waiting. Holds no contact details: the address is looked up when sending."""

    class Channel(models.TextChoices):
        APP = "app", _("In the portal")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=40)
    template = models.CharField(_("template"), max_length=80)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    reporter = models.ForeignKey(
        Reporter,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        null=True,
        blank=True,
        # Events are never deleted (a trigger refuses it); leave that answer to the trigger.
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    key = models.CharField(
        _("key"), max_length=100, blank=True, help_text=_("Makes a message unique per person.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    attempt_at = models.DateTimeField(
        _("next attempt"),
        null=True,
        blank=True,
        help_text=_("When to try again; while being sent, when the claim expires."),
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The outbox sweep reads only rows still to deliver.
            models.Index(
                fields=["attempt_at"],
                name="notification_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            # A user's inbox, newest first (keyset on id), and the bell's unread count.
            models.Index(
                fields=["user", "-created_at", "-id"],
                name="notification_inbox",
                condition=Q(channel="app"),
            ),
            models.Index(
                fields=["user"],
                name="notification_unread",
                condition=Q(channel="app", read_at__isnull=True),
            ),
            models.Index(
                fields=["-created_at"], name="notification_failed", condition=Q(status="failed")
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "key"],
                condition=~Q(key=""),
                name="notification_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(reporter__isnull=False),
                name="notification_has_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.kind} · {self.get_channel_display()} · {self.get_status_display()}"


class Alarm(models.Model):
    """A moment a sweep must look at a case: a deadline coming up, passed, or passed by a
    working day; a satisfaction request; the end of the retention period. Written when the
    clock it belongs to starts, deleted when it fires or the clock stops, so the sweeps read
    only what is due (docs/operations.md)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Deadline coming up")
        OVERDUE = "overdue", _("Deadline passed")
        SUPERVISE = "supervise", _("Automatic supervision")
        SATISFACTION = "satisfaction", _("Satisfaction request")
        RETENTION = "retention", _("Personal-data retention")

    class Step(models.TextChoices):
        ACCEPT = "accept", _("Acceptance")
        CONTACT = "contact", _("First contact")
        RESOLVE = "resolve", _("Resolution")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices, blank=True)
    deadline = models.DateTimeField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("The deadline or moment it belongs to; a changed deadline voids it."),
    )
    fire_at = models.DateTimeField(_("due"))

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        indexes = [models.Index(fields=["kind", "fire_at"], name="alarm_due")]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.step} {self.fire_at:%Y-%m-%d %H:%M}"


class IndicatorDay(models.Model):
    """One day's indicator counts (cases.indicators, docs/indicators.md), kept by
    cases.rollup so the dashboard never scans the history of cases.

    Each day is stored as a small data cube: `grain` says which dimensions a row is split
    by (1 party, 2 category, 4 area; 7 all three, 0 none) and the others are summed over.
    Any dashboard question (a filter on some dimensions, grouped by one) reads the rows of
    one grain only, so it reads at most days × (size of one dimension) rows whatever the
    number of cases. Keys are plain ids, 0 for "none" (a case with no party or no area)
    and for dimensions the grain sums over.
    """

    PARTY, CATEGORY, AREA = 1, 2, 4

    day = models.DateField(_("day"))
    grain = models.PositiveSmallIntegerField(_("grain"))
    party_key = models.BigIntegerField(_("party"), default=0)
    category_key = models.BigIntegerField(_("category"), default=0)
    area_key = models.BigIntegerField(_("area"), default=0)

    filed = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    intake = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_reworked = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    contact_due = models.PositiveIntegerField(default=0)
    contact_met = models.PositiveIntegerField(default=0)
    resolve_due = models.PositiveIntegerField(default=0)
    resolve_met = models.PositiveIntegerField(default=0)
    rated_satisfied = models.PositiveIntegerField(default=0)
    rated_basic = models.PositiveIntegerField(default=0)
    rated_dissatisfied = models.PositiveIntegerField(default=0)
    # Handling times of the day's closures: {half-hours, rounded up: count}.
    handling = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("indicator day")
        verbose_name_plural = _("indicator days")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "party_key", "category_key", "area_key"],
                name="indicator_day_unique",
            )
        ]

    def __str__(self):
        keys = f"{self.party_key}, {self.category_key}, {self.area_key}"
        return f"{self.day} grain {self.grain} ({keys})"


class IndicatorRollup(models.Model):
    """How far the roll-up reaches: IndicatorDay holds every indicator fact up to
    `covered_until`; the dashboard adds the facts after it live. One row."""

    name = models.CharField(max_length=30, primary_key=True)
    covered_until = models.DateTimeField(_("covered until"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("indicator roll-up")
        verbose_name_plural = _("indicator roll-ups")

    def __str__(self):
        return f"{self.name} until {self.covered_until:%Y-%m-%d %H:%M}"
