"""The store settings page of the dashboard: anyone with settings.view reads it (finance sees
it read-only), settings.manage saves it. Every rule lives in `store_settings_update`."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.stores.dashboard.settings_forms import StoreSettingsForm
from apps.stores.errors import StoreSettingsInvalid
from apps.stores.selectors import store_settings_get
from apps.stores.services import store_settings_update


def _product_count() -> int:
    """How many products carry prices in the store's currency. Looked up through the app
    registry so that the settings app, which the catalog reads its currency from, does not
    import the catalog back."""
    try:
        product = apps.get_model("catalog", "Product")
    except LookupError:
        return 0
    return int(product.objects.count())


@never_cache
@permission_required(Perm.SETTINGS_VIEW, write=Perm.SETTINGS_MANAGE)
def store_settings(request: HttpRequest) -> HttpResponse:
    current = store_settings_get()
    can_manage = user_has_permission(request.user, Perm.SETTINGS_MANAGE)
    form = StoreSettingsForm(request.POST or None, current=current, read_only=not can_manage)
    if request.method == "POST" and form.is_valid():
        try:
            saved = store_settings_update(data=form.to_input(), actor=request.user)
        except StoreSettingsInvalid as error:
            for problem in error.errors:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        else:
            messages.success(request, _("The store settings were saved."))
            if saved.currency != current.currency and _product_count():
                messages.warning(
                    request,
                    _(
                        "The store now sells in %(new)s. Prices were not converted: a product that "
                        "cost 10 %(old)s now costs 10 %(new)s. Review your prices."
                    )
                    % {"new": saved.currency, "old": current.currency},
                )
            return redirect("dashboard:stores:settings")
    context = {
        "form": form,
        "settings_row": current,
        "can_manage": can_manage,
        "product_count": _product_count(),
    }
    return render(request, "stores/settings.html", context)
