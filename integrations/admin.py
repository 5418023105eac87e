"""API keys in the admin: made with a secret shown once, revoked rather than deleted."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases.models import ApiKey
from integrations import keys


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "channel",
        "prefix",
        "requests_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["channel", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "channel", "requests_per_minute"]
        return ["name", "channel", "requests_per_minute", *self.readonly_fields, "revoked_at"]

    def has_delete_permission(self, request, obj=None):
        # Cases keep the key that filed them; a key that must stop working is revoked.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            request._hongmei_new_secret = keys.assign_secret(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the secret on the page itself, once: it is never stored anywhere."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key created"),
            "key": obj,
            "secret": request._hongmei_new_secret,
            "opts": self.opts,
        }
        return TemplateResponse(request, "integrations/apikey_created.html", context)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(n)d key revoked.", "%(n)d keys revoked.", count) % {"n": count},
            messages.SUCCESS,
        )
