from __future__ import annotations

from django.contrib import admin

from apps.platform.models import HandoffToken, Membership, Merchant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "memberships__user__email"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "merchant__name"]
    autocomplete_fields = ["user", "merchant"]
    list_select_related = ["user", "merchant"]


@admin.register(HandoffToken)
class HandoffTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at", "expires_at", "used_at"]
    list_select_related = ["user", "tenant"]
    readonly_fields = ["id", "user", "tenant", "role", "created_at", "expires_at", "used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
