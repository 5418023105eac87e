"""/staff/notifications/: in-app notifications, included from portal/urls.py (so the
names are in the `staff` namespace)."""

from django.urls import path

from portal import views_notifications as views

urlpatterns = [
    path("", views.inbox, name="notifications"),
    path("read/", views.mark_all_read, name="notifications_read"),
    path("language/", views.message_language, name="notifications_language"),
    path("<int:pk>/open/", views.open_notification, name="notification_open"),
]
