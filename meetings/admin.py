"""Joint meetings in the admin, read-only: they change only through the meeting pages
(meetings/agenda.py, minutes.py, decisions.py), which keep their history."""

from django.contrib import admin

from cases.admin_base import ReadOnlyAdmin
from meetings.models import AgendaItem, Decision, Meeting, MeetingEvent, Proposal


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "kind", "title", "case", "presenter", "outcome", "outcome_note"]
    readonly_fields = fields
    ordering = ["position", "id"]


class MeetingEventInline(ReadOnlyInline):
    model = MeetingEvent
    fields = ["created_at", "kind", "actor", "note", "data"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "starts_at", "place", "state", "convener"]
    list_filter = ["state"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    fields = [
        "title",
        "starts_at",
        "place",
        "convener",
        "members",
        "state",
        "attendance",
        "held_at",
        "approved_at",
        "approved_by",
    ]
    readonly_fields = fields
    inlines = [AgendaItemInline, MeetingEventInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["item", "meeting", "lead_party", "deadline", "case", "done_at"]
    list_filter = ["lead_party"]
    list_select_related = ["item", "meeting", "lead_party", "case"]
    search_fields = ["item__title", "measures", "=case__number"]
    date_hierarchy = "deadline"


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    """Recurring problems proposed for the agenda: decided on /staff/meetings/proposals/."""

    list_display = ["category", "kind", "shop", "case_count", "last_at", "state", "decided_at"]
    list_filter = ["state", "kind", "category"]
    raw_id_fields = ["cases"]
