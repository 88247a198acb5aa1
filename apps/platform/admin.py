from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import User
from apps.platform.access import client_ip
from apps.platform.models import HandoffToken, Membership, Merchant, TeamAuditEntry, TeamInvitation
from apps.platform.team import (
    TeamError,
    team_member_add,
    team_member_remove,
    team_member_remove_check,
    team_member_role_change,
    team_member_role_check,
)


class MembershipInline(admin.TabularInline):
    """Read-only here: a membership change must reach the member's store accounts, which the
    Membership admin (through the team services) does."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "memberships__user__email"]
    inlines = [MembershipInline]


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["merchant", "user", "role"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The service checks again under the merchant's lock; this puts the refusal on the form.
        if self.instance.pk and "role" in self.changed_data and cleaned.get("role"):
            try:
                team_member_role_check(membership=self.instance, role=cleaned["role"])
            except TeamError as error:
                raise ValidationError(error.message, code=error.code) from error
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Adding, re-roling and removing go through the team services, so the member's staff accounts
    in every store follow and the merchant's audit trail records the staff member who did it."""

    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "merchant__name"]
    autocomplete_fields = ["user", "merchant"]
    list_select_related = ["user", "merchant"]
    form = MembershipAdminForm

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> list[str]:
        return ["user", "merchant"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        if obj is not None:
            try:
                team_member_remove_check(membership=obj)
            except TeamError:
                return False  # the last owner
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]  # the admin is for signed-in staff only
        if not change:
            created = team_member_add(
                merchant=obj.merchant,
                user=obj.user,
                role=obj.role,
                actor=actor,
                ip_address=client_ip(request),
            )
            # The admin goes on with `obj` (change message, redirect): make it the saved row.
            obj.pk = created.pk
            obj.created_at, obj.updated_at = created.created_at, created.updated_at
            obj._state.adding = False
        elif "role" in form.changed_data:
            team_member_role_change(
                membership=Membership.objects.get(pk=obj.pk),
                actor=actor,
                role=obj.role,
                ip_address=client_ip(request),
                by_platform_staff=True,
            )

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        try:
            team_member_remove(
                membership=obj,
                actor=request.user,  # type: ignore[arg-type]
                ip_address=client_ip(request),
                by_platform_staff=True,
            )
        except TeamError as error:
            messages.error(request, error.message)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("merchant", "user"):
            self.delete_model(request, membership)


@admin.register(TeamInvitation)
class TeamInvitationAdmin(admin.ModelAdmin):
    """Read only: invitations are sent, revoked and accepted in the console."""

    list_display = ["email", "merchant", "role", "status", "expires_at", "created_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "merchant__name"]
    list_select_related = ["merchant"]
    readonly_fields = [
        "id",
        "merchant",
        "email",
        "role",
        "status",
        "expires_at",
        "invited_by",
        "accepted_by",
        "closed_at",
        "created_at",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TeamAuditEntry)
class TeamAuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "merchant", "action", "actor_email", "target_email", "ip_address"]
    list_filter = ["action"]
    search_fields = ["merchant__name", "actor_email", "target_email"]
    list_select_related = ["merchant"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HandoffToken)
class HandoffTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at", "expires_at", "used_at"]
    list_select_related = ["user", "tenant"]
    readonly_fields = ["id", "user", "tenant", "role", "created_at", "expires_at", "used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
