from django.urls import path

from apps.platform import billing_views, team_views, views

app_name = "platform"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("console/", views.console, name="console"),
    path("console/welcome/", views.onboarding, name="onboarding"),
    path("console/stores/new/", views.store_new, name="store_create"),
    path("console/stores/<uuid:store_uuid>/", views.store_detail, name="store_detail"),
    path("console/stores/<uuid:store_uuid>/status/", views.store_status, name="store_status"),
    path("console/stores/<uuid:store_uuid>/retry/", views.store_retry, name="store_retry"),
    path("console/stores/<uuid:store_uuid>/open/", views.store_open, name="store_open"),
    # The team of one merchant (apps/platform/team_views.py)
    path("console/team/", team_views.team_index, name="team_index"),
    path("console/merchants/<uuid:merchant_uuid>/team/", team_views.team, name="team"),
    path("console/merchants/<uuid:merchant_uuid>/team/invite/", team_views.team_invite, name="team_invite"),
    path(
        "console/merchants/<uuid:merchant_uuid>/team/invitations/<uuid:invitation_id>/revoke/",
        team_views.team_invitation_revoke_view,
        name="team_invitation_revoke",
    ),
    path(
        "console/merchants/<uuid:merchant_uuid>/team/members/<uuid:user_uuid>/role/",
        team_views.team_member_role,
        name="team_member_role",
    ),
    path(
        "console/merchants/<uuid:merchant_uuid>/team/members/<uuid:user_uuid>/remove/",
        team_views.team_member_remove_view,
        name="team_member_remove",
    ),
    path("console/merchants/<uuid:merchant_uuid>/team/audit/", team_views.team_audit, name="team_audit"),
    path("console/invitations/<str:token>/", team_views.team_invitation_view, name="team_invitation"),
    # Plan and usage (apps/platform/billing_views.py)
    path("console/billing/", billing_views.billing_index, name="billing_index"),
    path("console/merchants/<uuid:merchant_uuid>/billing/", billing_views.billing, name="billing"),
]
