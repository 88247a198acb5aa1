from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.errors import ApplicationError
from apps.tenants.domains import domain_clean
from apps.tenants.models import Domain, StoreAuditEntry, Tenant
from apps.tenants.services import store_reactivate, store_suspend


class DomainInlineForm(forms.ModelForm):
    class Meta:
        model = Domain
        fields = ["domain", "is_primary"]

    def clean_domain(self) -> str:
        tenant = self.instance.tenant if self.instance.tenant_id else getattr(self, "parent_tenant", None)
        value = self.cleaned_data["domain"]
        if tenant is None or tenant.is_platform:
            return value.strip().lower()
        try:
            return domain_clean(domain=value, tenant=tenant)
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from error


class DomainInline(admin.TabularInline):
    model = Domain
    form = DomainInlineForm
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.parent_tenant = obj  # type: ignore[attr-defined]
        return formset


class AuditInline(admin.TabularInline):
    model = StoreAuditEntry
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "actor", "detail"]
    readonly_fields = ["created_at", "action", "actor", "detail"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "schema_name", "merchant", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "schema_name", "domains__domain", "merchant__name"]
    readonly_fields = [
        "schema_name",
        "slug",
        "uuid",
        "status",
        "status_reason",
        "provisioning_step",
        "provisioning_error",
        "provisioned_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fields = ["name", "merchant", *readonly_fields]
    inlines = [DomainInline, AuditInline]
    actions = ["suspend_stores", "reactivate_stores"]
    list_select_related = ["merchant"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Stores are opened through the console so the schema is provisioned properly.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _apply(self, request: HttpRequest, queryset: QuerySet[Tenant], action: Any, verb: str) -> None:
        done = 0
        for tenant in queryset.exclude(schema_name="public"):
            try:
                action(tenant)
            except ApplicationError as error:
                self.message_user(request, f"{tenant}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d store %(verb)s.", "%(n)d stores %(verb)s.", done) % {"n": done, "verb": verb},
            )

    @admin.action(description=_("Suspend selected stores"))
    def suspend_stores(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._apply(
            request,
            queryset,
            lambda t: store_suspend(tenant=t, actor=request.user, reason="Suspended in admin"),  # type: ignore[arg-type]
            str(_("suspended")),
        )

    @admin.action(description=_("Reactivate selected stores"))
    def reactivate_stores(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._apply(
            request,
            queryset,
            lambda t: store_reactivate(tenant=t, actor=request.user),  # type: ignore[arg-type]
            str(_("reactivated")),
        )


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    search_fields = ["domain", "tenant__name"]
    list_select_related = ["tenant"]
    readonly_fields = ["domain", "tenant"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
