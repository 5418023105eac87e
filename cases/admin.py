"""Configuration lives in the admin: parties, people, areas, categories, routing, calendar.
Cases are shown read-only here; their state changes only through the workflow. The outbox
and the alarms are in admin_notifications (registered by importing it here)."""

from axes.admin import AccessAttemptAdmin
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases import admin_notifications, sla  # noqa: F401  (registers the outbox and alarms)
from cases.admin_base import ReadOnlyAdmin
from cases.models import (
    Area,
    Attachment,
    CalendarDay,
    Case,
    Category,
    CategoryModel,
    Event,
    ExportRecord,
    Follower,
    Membership,
    Party,
    Reporter,
    RoutingRule,
    Share,
    StandardReply,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind", "code", "area", "is_active", "is_demo"]
    list_filter = ["kind", "is_active", "is_demo"]
    search_fields = ["name", "name_en", "code"]
    autocomplete_fields = ["area"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "party", "role", "is_active"]
    list_filter = ["role", "is_active", "party__kind"]
    search_fields = ["user__username", "party__name"]
    autocomplete_fields = ["user", "party"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "depth", "has_boundary", "is_approximate", "is_demo"]
    list_filter = ["kind", "depth", "is_approximate", "is_demo", "is_selectable"]
    search_fields = ["name", "name_en", "code"]
    autocomplete_fields = ["parent"]

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, obj):
        return bool(obj.boundary)


class StandardReplyInline(admin.TabularInline):
    model = StandardReply
    extra = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "parent",
        "code",
        "is_common",
        "is_urgent",
        "accept_hours",
        "contact_hours",
        "resolve_hours",
        "verify_hours",
        "evidence_required",
        "is_active",
    ]
    list_filter = ["parent", "is_common", "is_urgent", "evidence_required", "is_active"]
    list_editable = ["accept_hours", "contact_hours", "resolve_hours", "verify_hours"]
    search_fields = ["name", "name_en", "code", "keywords"]
    inlines = [StandardReplyInline]


@admin.register(CategoryModel)
class CategoryModelAdmin(ReadOnlyAdmin):
    """The category suggestion's trained versions (docs/learning.md); made by
    train_category_model and the weekly beat, never by hand."""

    list_display = ["version", "trained_at", "training_size", "holdout_size", "top1", "top3"]
    exclude = ["parameters"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "category",
        "area",
        "lead_party",
        "auto_dispatch",
        "priority",
        "is_active",
    ]
    list_filter = ["auto_dispatch", "is_active", "lead_party", "category__parent"]
    search_fields = ["category__name", "area__name", "lead_party__name", "note"]
    autocomplete_fields = ["category", "area", "lead_party", "co_parties"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "from_package"]
    list_filter = ["kind", "from_package", "date"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        for warning in sla.calendar_warnings():
            self.message_user(request, warning, level="warning")
        return super().changelist_view(request, extra_context)


class EventInline(admin.TabularInline):
    model = Event
    fields = [
        "created_at",
        "kind",
        "actor",
        "actor_role",
        "actor_party",
        "cause",
        "from_state",
        "to_state",
        "note",
        "data",
    ]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(EventInline):
    model = Attachment
    fields = [
        "preview",
        "created_at",
        "kind",
        "file",
        "content_type",
        "size",
        "width",
        "height",
        "is_public",
    ]
    readonly_fields = fields

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if not obj.file or not obj.content_type.startswith("image/"):
            return "—"
        return format_html(
            '<a href="{0}"><img src="{0}" alt="" class="admin-thumb"></a>',
            # The staff portal's photo view checks the case's scope; nothing is at /media/.
            reverse("staff:case_photo", args=[obj.case.number, obj.pk]),
        )


class ShareInline(EventInline):
    model = Share
    fields = ["party", "is_active", "created_at", "reported_at", "report"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "category",
        "state",
        "lead_party",
        "area",
        "channel",
        "created_at",
        "due_at",
    ]
    list_filter = ["state", "channel", "priority", "category__parent", "lead_party"]
    search_fields = ["=number", "=external_id"]
    list_select_related = ["category", "lead_party", "area"]
    show_full_result_count = False
    date_hierarchy = "created_at"
    inlines = [ShareInline, AttachmentInline, EventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "state",
                    "category",
                    "description",
                    "answers",
                    "priority",
                    "channel",
                    "external_id",
                    "duplicate_of",
                ]
            },
        ),
        (_("Where"), {"fields": ["area", "address", "lat", "lng"]}),
        (_("Who"), {"fields": ["reporter", "created_by", "lead_party"]}),
        (
            _("Deadlines"),
            {
                "fields": [
                    "accept_due",
                    "contact_due",
                    "resolve_due",
                    "verify_due",
                    "external_due",
                    "due_at",
                    "extension_requested_until",
                ]
            },
        ),
        (
            _("History"),
            {
                "fields": [
                    "created_at",
                    "dispatched_at",
                    "accepted_at",
                    "contacted_at",
                    "resolved_at",
                    "closed_at",
                    "supervised_at",
                    "disputed_at",
                    "rework_count",
                    "return_count",
                    "reopen_count",
                    "satisfaction",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for _, options in self.fieldsets for f in options["fields"]]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "kind", "actor", "actor_role", "actor_party", "to_state"]
    list_filter = ["kind", "actor_role"]
    search_fields = ["=case__number"]
    list_select_related = ["case", "actor", "actor_party"]
    show_full_result_count = False


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    """Who exported what (cases.exports): shown, never edited."""

    list_display = ["created_at", "user", "kind", "rows", "parameters"]
    list_filter = ["kind"]
    search_fields = ["=user__username"]
    list_select_related = ["user"]
    fields = ["created_at", "user", "kind", "parameters", "rows"]
    readonly_fields = fields
    show_full_result_count = False


@admin.register(Reporter)
class ReporterAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "created_at", "anonymised_at", "case_count"]
    list_filter = ["kind", "anonymised_at"]
    search_fields = ["=phone", "=email"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("cases"))

    @admin.display(description=_("cases"), ordering="n")
    def case_count(self, obj):
        return obj.n


@admin.register(Follower)
class FollowerAdmin(ReadOnlyAdmin):
    list_display = ["case", "reporter", "created_at"]
    list_select_related = ["case", "reporter"]


# django-axes's computed columns carry no header of their own; cases/admin_apps.py has the
# Chinese of the rest of its words.
AccessAttemptAdmin.expiration.short_description = _("Expires At")  # type: ignore[attr-defined]
AccessAttemptAdmin.status.short_description = _("Lockout")  # type: ignore[attr-defined]
