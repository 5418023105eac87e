"""Cases and their append-only history: reporters, the case itself (its state is written
only by cases.workflow.perform(); docs/workflow.md), co-party shares, followers, events,
attachments, and the small records around them (numbers, API keys, saved filters, sends).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.config import Area, Category, Party
from cases.people import handler_party_ids, is_street_wide


def new_token():
    """192 random bits, URL-safe: the private tracking link of a case or follower."""
    return secrets.token_urlsafe(24)


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
        # /mine/ finds a contact's cases by e-mail regardless of case (cases/recovery.py).
        indexes = [models.Index(Lower("email"), name="reporter_email_lower")]

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

    # Intake's deadline (dispatch or reject by), set at filing, return and reopening.
    dispatch_due = models.DateTimeField(_("dispatch by"), null=True, blank=True)
    # Deadlines of the current round, set by the workflow at dispatch.
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    contact_due = models.DateTimeField(_("contact reporter by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    verify_due = models.DateTimeField(_("verify by"), null=True, blank=True)
    external_due = models.DateTimeField(_("deadline of the original system"), null=True, blank=True)
    # The deadline of the step the case waits for now (dispatch, accept, resolve or verify);
    # empty when no clock runs. Overdue means due_at < now: one indexed column serves every
    # queue.
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
    # The hash chain of the case's events (cases.ledger, docs/ledger.md): the last event's
    # chain hash and how many events the chain holds, written with each event.
    chain_head = models.CharField(_("history hash"), max_length=64, blank=True, editable=False)
    chain_length = models.PositiveIntegerField(
        _("events in the history"), default=0, editable=False
    )

    # Reworked or reopened at least twice between them: a recurring case (cases/recurrence.py).
    REPEATED = (
        Q(rework_count__gte=2)
        | Q(reopen_count__gte=2)
        | Q(rework_count__gte=1, reopen_count__gte=1)
    )

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
            # Recurrence (cases/recurrence.py) reads one category's recent cases.
            models.Index(fields=["category", "created_at"], name="case_category_created"),
            models.Index(
                fields=["category", "created_at"],
                name="case_repeated",
                condition=Q(rework_count__gte=2)
                | Q(reopen_count__gte=2)
                | Q(rework_count__gte=1, reopen_count__gte=1),
            ),
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
    # The event's link in its case's hash chain, set once at insert (cases.ledger.seal):
    # its place, the secret its field commitments are salted with, the hash of its content,
    # the previous event's chain hash and its own.
    seq = models.PositiveIntegerField(_("place in the history"), editable=False)
    nonce = models.CharField(max_length=32, editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    chain_hash = models.CharField(_("chain hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="event_case_time"),
            models.Index(fields=["kind", "created_at"], name="event_kind_time"),
            # The day's changed cases for the street digest (cases.ledger.leaves_of).
            models.Index(fields=["created_at"], name="event_time"),
        ]
        constraints = [
            # One chain per case, never forked: two writers cannot both append event n.
            models.UniqueConstraint(fields=["case", "seq"], name="event_case_seq"),
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
    # SHA-256 of the stored bytes; part of its event's hash (cases.ledger).
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)

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
