"""Notification centre pages of the dashboard, mounted at /dashboard/inbox/ (see
apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.inbox.dashboard import views

app_name = "inbox"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notification_list, name="list"),
    path("open/", views.notification_open, name="open"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("unread.json", views.unread_count, name="unread_count"),
]
