from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.errors import ApplicationError
from apps.tenants.dns_check import verification_record_name, verification_record_value
from apps.tenants.domains import (
    domain_add,
    domain_clean,
    domain_remove,
    domain_set_primary,
    domain_verify,
    domain_verify_manual,
)
from apps.tenants.models import Domain, StoreAuditEntry, StoreJobRun, Tenant
from apps.tenants.services import store_reactivate, store_suspend


class DomainInlineForm(forms.ModelForm):
    """One hostname row of a store. The row is only validated here; TenantAdmin.save_formset
    applies it through the domain services (add, make primary, remove)."""

    class Meta:
        model = Domain
        fields = ["domain", "is_primary"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["domain"].disabled = True  # renaming would skip verification

    def clean_domain(self) -> str:
        value: str = self.cleaned_data["domain"]
        if self.instance.pk:
            return value
        tenant = getattr(self, "parent_tenant", None)
        if tenant is None:
            raise forms.ValidationError(_("Save the store before adding domains."))
        try:
            return domain_clean(domain=value, tenant=tenant)
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from error

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "is_primary" not in self.changed_data:
            return cleaned
        if cleaned.get("is_primary") and not (self.instance.pk and self.instance.routes):
            self.add_error(
                "is_primary",
                _("Only a verified domain can be primary; verify it first."),
            )
        elif not cleaned.get("is_primary") and self.instance.pk:
            self.add_error("is_primary", _("Choose another primary domain instead of unticking this one."))
        return cleaned


class DomainInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.is_platform_host:
                raise forms.ValidationError(
                    _("%(domain)s is the store's platform address and cannot be removed.")
                    % {"domain": form.instance.domain}
                )
        primaries = [
            form
            for form in self.forms
            if form not in self.deleted_forms and form.cleaned_data.get("is_primary") and form.has_changed()
        ]
        if len(primaries) > 1:
            raise forms.ValidationError(_("Tick one primary domain at most."))


class DomainInline(admin.TabularInline):
    """A store's hostnames with their verification state. Changes go through the services in
    apps.tenants.domains (see TenantAdmin.save_formset); verify by hand from the Domains list."""

    model = Domain
    form = DomainInlineForm
    formset = DomainInlineFormSet
    extra = 0
    fields = ["domain", "status", "verification_method", "last_check_error", "last_checked_at", "is_primary"]
    readonly_fields = ["status", "verification_method", "last_check_error", "last_checked_at"]
    show_change_link = True

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.parent_tenant = obj  # type: ignore[attr-defined]
        return formset

    # The platform's own hosts come from settings (platform_tenant_ensure), not from the admin.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and not obj.is_platform and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and not obj.is_platform and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and not obj.is_platform and super().has_delete_permission(request, obj)


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

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Domain:
            super().save_formset(request, form, formset, change)
            return
        self._domains_apply(request, form.instance, formset)

    def _domains_apply(self, request: HttpRequest, tenant: Tenant, formset: Any) -> None:
        """Apply the inline's rows through the same services as the dashboard; a refusal (a race
        since validation) is shown and leaves that row unchanged. Fills the formset's
        new/changed/deleted lists as formset.save() would, for the admin's change message."""
        actor: Any = request.user
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            try:
                if row in formset.deleted_forms:
                    if row.instance.pk:
                        domain_remove(domain=row.instance, actor=actor)
                        formset.deleted_objects.append(row.instance)
                elif not row.has_changed():
                    continue
                elif not row.instance.pk:
                    added = domain_add(tenant=tenant, domain=row.cleaned_data["domain"], actor=actor)
                    formset.new_objects.append(added)
                elif row.cleaned_data.get("is_primary"):
                    domain_set_primary(domain=row.instance, actor=actor)
                    formset.changed_objects.append((row.instance, ["is_primary"]))
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)

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


_DOMAIN_FIELDS: tuple[str, ...] = (
    "domain",
    "tenant",
    "status",
    "verification_method",
    "is_primary",
    "txt_record_name",
    "txt_record_value",
    "verified_at",
    "last_checked_at",
    "last_check_error",
    "created_at",
)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    """Every store's hostnames. Read-only rows: staff act on them with the actions below, which
    call the same services as the dashboard (adding and removing is on the store's page)."""

    list_display = [
        "domain",
        "tenant",
        "status",
        "verification_method",
        "is_primary",
        "verified_at",
        "last_checked_at",
        "last_check_error",
    ]
    list_filter = ["status", "verification_method", "last_check_error"]
    search_fields = ["domain", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    fields = _DOMAIN_FIELDS
    readonly_fields = _DOMAIN_FIELDS
    actions = ["verify_by_hand", "check_dns_now", "make_primary"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # no raw saves: every change is one of the actions (or the store's page)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tenants.change_domain")

    @admin.display(description=_("TXT record name"))
    def txt_record_name(self, obj: Domain) -> str:
        return "" if obj.is_platform_host else verification_record_name(obj.domain)

    @admin.display(description=_("TXT record value"))
    def txt_record_value(self, obj: Domain) -> str:
        return "" if obj.is_platform_host else verification_record_value(obj.verification_token)

    def _each(self, request: HttpRequest, queryset: QuerySet[Domain], call: Any) -> list[Domain]:
        done = []
        for domain in queryset.select_related("tenant"):
            try:
                done.append(call(domain))
            except ApplicationError as error:
                self.message_user(request, f"{domain}: {error.message}", messages.ERROR)
        return done

    @admin.action(description=_("Verify selected domains by hand"), permissions=["manage"])
    def verify_by_hand(self, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
        actor: Any = request.user
        done = self._each(
            request, queryset, lambda d: domain_verify_manual(domain=d, actor=actor, note="Django admin")
        )
        if done:
            self.message_user(
                request,
                ngettext("%(n)d domain verified by hand.", "%(n)d domains verified by hand.", len(done))
                % {"n": len(done)},
            )

    @admin.action(description=_("Check the DNS record of selected domains now"), permissions=["manage"])
    def check_dns_now(self, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
        actor: Any = request.user
        for domain in self._each(request, queryset, lambda d: domain_verify(domain=d, actor=actor)):
            if domain.last_check_error:
                self.message_user(
                    request,
                    f"{domain}: {domain.get_status_display()}: {domain.get_last_check_error_display()}",
                    messages.WARNING,
                )
            else:
                self.message_user(request, f"{domain}: {domain.get_status_display()}")

    @admin.action(
        description=_("Make the selected domain its store's primary domain"), permissions=["manage"]
    )
    def make_primary(self, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
        actor: Any = request.user
        for domain in self._each(request, queryset, lambda d: domain_set_primary(domain=d, actor=actor)):
            self.message_user(request, _("%(domain)s is now the primary domain.") % {"domain": domain})


@admin.register(StoreJobRun)
class StoreJobRunAdmin(admin.ModelAdmin):
    """The last run of each periodic job in each store: filter by failed to see which stores
    need attention. Written by the jobs themselves, so read-only here."""

    list_display = (
        "job",
        "tenant",
        "status",
        "consecutive_failures",
        "finished_at",
        "last_success_at",
        "error_code",
    )
    list_filter = ("status", "job")
    search_fields = ("tenant__name", "tenant__schema_name", "job", "error_code")
    list_select_related = ("tenant",)
    ordering = ("-consecutive_failures", "job")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
