"""Configuration: the parties of the joint committee and their members, the areas, the
categories with their questions and limits, standard replies, routing rules and the
working-day calendar. Admins change these in the admin; cases refer to them.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.i18n import localised
from cases.people import Role


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
    dispatch_minutes = models.PositiveIntegerField(
        _("dispatch within (minutes)"),
        default=120,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Intake: the dispatcher dispatches or rejects a new case within this many minutes "
            "of working time (of calendar time for urgent categories)."
        ),
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
    # Recurrence (cases/recurrence.py): this many reports within `recurrence_metres` (or at
    # the same shop) within `recurrence_days` days make a proposal for the joint meeting.
    recurrence_reports = models.PositiveSmallIntegerField(
        _("recurring after (reports)"),
        default=5,
        help_text=_("Reports of one place or shop that make it a recurring problem; 0: never."),
    )
    recurrence_days = models.PositiveSmallIntegerField(_("recurring within (days)"), default=30)
    recurrence_metres = models.PositiveSmallIntegerField(
        _("same place within (metres)"), default=100
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]

    @property
    def dispatch_hours(self):
        """The intake limit in hours, as the deadline steps (cases.sla.STEPS) read limits."""
        return self.dispatch_minutes / 60

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
