"""The case list's filters and sort orders, shared by the list, the map and the export.

Each filter is a plain condition on the case row (or on an indexed neighbour), so that
PostgreSQL can walk the index of the chosen order and stop after one page.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import routing, search
from cases.choices import area_choices, category_choices
from cases.models import OPEN_STATES, Case, Party, Share, State
from cases.sla import TZ
from portal import queues

SORTS = {
    "newest": (_("Newest first"), (("created_at", True), ("id", True))),
    "oldest": (_("Oldest first"), (("created_at", False), ("id", False))),
    "due": (_("Deadline first"), (("due_at", False), ("id", False))),
}
OPEN = "open"
# The days a filter may name: beyond them no case lies, and the day after 9999-12-31
# cannot even be computed (docs/security.md).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
DAY_LIMITS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=search.MAX_QUERY)
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    party = forms.ChoiceField(label=_("Party"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any")), *Case.Channel.choices]
    )
    filed_from = forms.DateField(
        label=_("Filed from"),
        required=False,
        validators=DAY_LIMITS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    filed_to = forms.DateField(
        label=_("Filed until"),
        required=False,
        validators=DAY_LIMITS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    due_soon = forms.BooleanField(label=_("Due soon"), required=False)
    supervised = forms.BooleanField(label=_("Under supervision"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[(code, label) for code, (label, _o) in SORTS.items()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Any")), (OPEN, _("Open")), *State.choices]
        self.fields["category"].choices = [("", _("Any")), *category_choices()]
        self.fields["area"].choices = [("", _("Any")), *area_choices()]
        parties = Party.objects.filter(is_active=True).order_by("kind", "name")
        self.fields["party"].choices = [("", _("Any"))] + [(str(p.pk), p.label) for p in parties]

    @property
    def ordering(self):
        code = self.cleaned_data.get("sort") if self.is_bound and self.is_valid() else ""
        return SORTS.get(code or "newest")[1]

    def filter(self, queryset, now=None):
        """`queryset` narrowed by the valid filters (invalid ones are ignored)."""
        if not self.is_valid():
            return queryset
        data, now = self.cleaned_data, now or timezone.now()
        if data["state"] == OPEN:
            queryset = queryset.filter(state__in=OPEN_STATES)
        elif data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["category"]:
            pk = int(data["category"])
            queryset = queryset.filter(Q(category_id=pk) | Q(category__parent_id=pk))
        if data["area"]:
            queryset = queryset.filter(area_id__in=_area_and_below(int(data["area"])))
        if data["party"]:
            pk = int(data["party"])
            shared = Share.objects.filter(case=OuterRef("pk"), party_id=pk, is_active=True)
            queryset = queryset.filter(Q(lead_party_id=pk) | Exists(shared))
        if data["channel"]:
            queryset = queryset.filter(channel=data["channel"])
        if data["filed_from"]:
            queryset = queryset.filter(created_at__gte=_start_of(data["filed_from"]))
        if data["filed_to"]:
            end = _start_of(data["filed_to"]) + timedelta(days=1)
            queryset = queryset.filter(created_at__lt=end)
        if data["overdue"]:
            queryset = queryset.overdue(now)
        if data["due_soon"]:
            queryset = queryset.filter(due_at__gte=now, due_at__lt=queues.due_soon_limit(now))
        if data["supervised"]:
            queryset = queryset.filter(state__in=OPEN_STATES, supervised_at__isnull=False)
        if data["q"]:
            queryset = search.matching(queryset, data["q"])
        return queryset

    def is_filtered(self):
        return self.is_valid() and any(v for k, v in self.cleaned_data.items() if k != "sort")


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min), TZ)


def _area_and_below(area_id):
    """The area and every area inside it (the tree is small and cached)."""
    areas = routing.all_areas()
    wanted, frontier = {area_id}, [area_id]
    while frontier:
        frontier = [a.pk for a in areas if a.parent_id in frontier and a.pk not in wanted]
        wanted.update(frontier)
    return sorted(wanted)
