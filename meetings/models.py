"""The street-block joint meeting (街区治理联席会议): meetings, their agenda, the minutes and
decisions taken on each item, and the meeting's own append-only history (docs/meetings.md).

Rows change only through the functions of meetings/agenda.py, meetings/minutes.py and
meetings/decisions.py, which check who acts and write a MeetingEvent in the same
transaction. A decision on a case moves the case through cases.workflow.perform("decide").
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Party, State
from cases.people import handler_party_ids, is_street_wide


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The meetings `user` may read: all for street-wide roles, else the meetings one of
        their parties belongs to (as member or convener)."""
        if not user.is_authenticated:
            return self.none()
        if is_street_wide(user):
            return self
        parties = handler_party_ids(user)
        if not parties:
            return self.none()
        member = Meeting.members.through.objects.filter(
            meeting_id=OuterRef("pk"), party_id__in=parties
        )
        return self.filter(Q(convener_id__in=parties) | Exists(member))


class Meeting(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        APPROVED = "approved", _("Minutes approved")

    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    convener = models.ForeignKey(
        Party,
        verbose_name=_("convener"),
        on_delete=models.PROTECT,
        related_name="convened_meetings",
        help_text=_("The street office that calls the meeting."),
    )
    members = models.ManyToManyField(
        Party, verbose_name=_("member parties"), related_name="meetings", blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PLANNED, editable=False
    )
    attendance = models.TextField(
        _("present"), blank=True, help_text=_("Who attended, for the minutes.")
    )
    held_at = models.DateTimeField(_("held"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("minutes approved"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["starts_at", "id"], name="meeting_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["planned", "held", "approved"]), name="meeting_state_valid"
            )
        ]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("meetings:detail", args=[self.pk])

    @property
    def minutes_open(self):
        """Minutes and decisions are written while the meeting is held, until approval."""
        return self.state == self.State.HELD

    @property
    def agenda_open(self):
        return self.state in (self.State.PLANNED, self.State.HELD)


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        CASE = "case", _("Escalated case")
        TOPIC = "topic", _("Topic")
        FOLLOW_UP = "follow_up", _("Follow-up of an earlier decision")

    class Outcome(models.TextChoices):
        NONE = "", _("Not settled")
        DECIDED = "decided", _("Decided")
        DEFERRED = "deferred", _("Deferred to the next meeting")
        # Follow-up items: the decision's state when the minutes were approved.
        DONE = "done", _("Done")
        OPEN = "open", _("Not done yet")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    position = models.PositiveIntegerField(_("order"), default=0)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    follows = models.ForeignKey(
        "Decision",
        verbose_name=_("decision followed up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    presenter = models.ForeignKey(
        Party,
        verbose_name=_("presented by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    linked_cases = models.ManyToManyField(
        Case,
        verbose_name=_("cases of the recurring problem"),
        blank=True,
        related_name="recurrence_items",
    )
    minutes = models.TextField(_("minutes"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, editable=False
    )
    outcome_note = models.TextField(_("reason for deferral"), blank=True, editable=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "case"], condition=Q(case__isnull=False), name="item_case_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "follows"],
                condition=Q(follows__isnull=False),
                name="item_follow_up_once",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "outcome"], name="item_case_outcome"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_case(self):
        return self.kind == self.Kind.CASE

    @property
    def is_follow_up(self):
        return self.kind == self.Kind.FOLLOW_UP


class DecisionQuerySet(models.QuerySet):
    def open(self):
        """Decisions not done: a task not marked done, or a case not closed."""
        return self.filter(
            Q(case__isnull=True, done_at__isnull=True)
            | (Q(case__isnull=False) & ~Q(case__state=State.CLOSED))
        )

    def done(self):
        return self.filter(
            Q(case__isnull=True, done_at__isnull=False)
            | Q(case__isnull=False, case__state=State.CLOSED)
        )

    def overdue(self, now=None):
        return self.open().filter(deadline__lt=now or timezone.now())

    def visible_to(self, user):
        return self.filter(meeting__in=Meeting.objects.visible_to(user))


class Decision(models.Model):
    """What a meeting decided on an item: who leads, who helps, by when, with what measures.

    On a case it is the workflow's `decide` action (the case is dispatched to the lead party
    with this deadline; co-parties get their shares) and it is done when the case closes.
    On a topic it is a follow-up task, done when marked done with a note.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions")
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
    )
    lead_party = models.ForeignKey(
        Party, verbose_name=_("lead party"), on_delete=models.PROTECT, related_name="+"
    )
    co_parties = models.ManyToManyField(
        Party, verbose_name=_("co-parties"), blank=True, related_name="+"
    )
    deadline = models.DateTimeField(_("deadline"))
    measures = models.TextField(_("measures"), blank=True)
    event = models.ForeignKey(
        "cases.Event",
        verbose_name=_("case event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_note = models.TextField(_("how it was done"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("decided"), default=timezone.now)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["deadline", "id"]
        indexes = [
            # Open tasks by deadline (overdue lists); case decisions join their case.
            models.Index(
                fields=["deadline", "id"],
                name="decision_task_open",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(fields=["meeting", "id"], name="decision_meeting"),
        ]

    def __str__(self):
        return f"{self.item} → {self.lead_party}"

    @property
    def is_task(self):
        return self.case_id is None

    @property
    def is_done(self):
        if self.case_id:
            return self.case.state == State.CLOSED
        return self.done_at is not None

    @property
    def finished_at(self):
        if self.case_id:
            return self.case.closed_at if self.is_done else None
        return self.done_at

    def is_overdue(self, now=None):
        return not self.is_done and self.deadline < (now or timezone.now())


class MeetingEvent(models.Model):
    """One step in a meeting's history: created, agenda changed, held, decided, deferred,
    minutes approved, corrected, a task done, invitations sent. Append-only: a trigger
    refuses UPDATE and DELETE, so approved minutes are corrected by adding events."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        indexes = [models.Index(fields=["meeting", "created_at", "id"], name="meeting_event_time")]

    def __str__(self):
        return f"{self.meeting_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    """Random names, sharded by date: nothing of the upload's own name reaches the disk."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"meetings/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class AgendaAttachment(models.Model):
    """A file for an agenda item: a cleaned photo, a PDF or an Office document."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("agenda attachment")
        verbose_name_plural = _("agenda attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class Proposal(models.Model):
    """A recurring problem (cases.recurrence) proposed for the joint meeting's agenda, with
    its evidence: the cases. The secretary accepts it (an agenda item linking the cases) or
    dismisses it with a reason; either way the row stays as the record, and the same cases
    are not proposed again unless new ones join them (meetings/proposals.py)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("On the agenda")
        DISMISSED = "dismissed", _("Dismissed")

    class Kind(models.TextChoices):
        PLACE = "place", _("Same place")
        SHOP = "shop", _("Same shop")
        REPEAT = "repeat", _("Reworked or reopened twice")

    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    cases = models.ManyToManyField(Case, verbose_name=_("cases"), related_name="proposals")
    case_count = models.PositiveIntegerField(_("reports"))
    first_at = models.DateTimeField(_("first report"))
    last_at = models.DateTimeField(_("last report"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    shop = models.CharField(_("shop"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PROPOSED, editable=False
    )
    item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        editable=False,
    )
    reason = models.TextField(_("reason for dismissal"), blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("proposed"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("recurring-problem proposal")
        verbose_name_plural = _("recurring-problem proposals")
        ordering = ["-case_count", "-last_at", "-id"]
        indexes = [
            models.Index(fields=["state", "last_at"], name="proposal_state_last"),
            models.Index(fields=["last_at", "category"], name="proposal_last_category"),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_kind_display()} · {self.case_count}"
