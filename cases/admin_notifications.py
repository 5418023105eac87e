"""The outbox and the alarms in the admin: what was sent, what waits, what failed (with
an action to send failed messages again), text messages over the daily cap and their
delivery receipts, and staff message preferences."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import notifications
from cases.admin_base import ReadOnlyAdmin
from cases.models import Alarm, Notification, StaffProfile


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "channel",
        "recipient",
        "case",
        "status",
        "attempts",
        "attempt_at",
        "sent_at",
        "receipt",
    ]
    list_filter = ["status", "channel", "receipt", "kind"]
    search_fields = ["=case__number", "=user__username"]
    list_select_related = ["case", "user"]
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "kind",
        "template",
        "channel",
        "user",
        "reporter",
        "case",
        "event",
        "data",
        "status",
        "attempts",
        "attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "read_at",
        "sms_day",
        "provider_id",
        "receipt",
        "receipt_at",
        "receipt_error",
        "receipt_poll_at",
    ]

    @admin.display(description=_("recipient"))
    def recipient(self, obj):
        # A reporter is shown by number only: the list is no place for personal data.
        if obj.user_id:
            return obj.user
        return _("reporter #%(id)s") % {"id": obj.reporter_id}

    @admin.action(description=_("Send the selected failed messages again"), permissions=["view"])
    def send_again(self, request, queryset):
        count = notifications.retry_failed(queryset)
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
        )


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ["fire_at", "kind", "step", "case", "deadline"]
    list_filter = ["kind", "step"]
    search_fields = ["=case__number"]
    list_select_related = ["case"]
    show_full_result_count = False


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    list_filter = ["language"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
