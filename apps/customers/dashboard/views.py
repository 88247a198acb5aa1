"""The store's social sign-in settings: which providers' buttons its shoppers see, with the
client id and secret of each. Owners and admins change them (settings.manage); finance reads
them (settings.view); staff do not see the page. The stored secret is never sent back to a
browser: the page says whether one is set, and a field replaces it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.customers.dashboard.forms import SocialAppForm
from apps.customers.errors import CustomerError, CustomerInputInvalid
from apps.customers.selectors import social_callback_urls, social_provider_states
from apps.customers.services import social_app_remove, social_app_save


@never_cache
@permission_required(Perm.SETTINGS_VIEW, write=Perm.SETTINGS_MANAGE)
def social_signin(request: HttpRequest) -> HttpResponse:
    states = social_provider_states()
    by_id = {state.id: state for state in states}
    posted = request.POST.get("provider", "") if request.method == "POST" else ""
    status = 200
    forms = {}
    for state in states:
        bound = request.POST if posted == state.id and request.POST.get("action") == "save" else None
        forms[state.id] = SocialAppForm(bound, state=state)

    if request.method == "POST":
        action = request.POST.get("action", "")
        if posted not in by_id or action not in ("save", "remove"):
            messages.error(request, _("Choose a provider and what to do with it."))
            status = 400
        elif action == "remove":
            social_app_remove(provider=posted, actor=request.user)
            messages.success(
                request, _("Sign-in with %(provider)s is off.") % {"provider": by_id[posted].label}
            )
            return redirect("dashboard:customers:social_signin")
        else:
            form = forms[posted]
            if form.is_valid():
                try:
                    social_app_save(
                        provider=posted,
                        client_id=form.cleaned_data["client_id"],
                        secret=form.cleaned_data["secret"],
                        actor=request.user,
                    )
                except CustomerInputInvalid as error:
                    for problem in error.errors:
                        form.add_error(
                            problem.field if problem.field in form.fields else None, problem.message
                        )
                except CustomerError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        _("Shoppers can now sign in with %(provider)s.") % {"provider": by_id[posted].label},
                    )
                    return redirect("dashboard:customers:social_signin")
            status = 400

    tenant = request.tenant  # type: ignore[attr-defined]
    providers = [
        {
            "state": state,
            "form": forms[state.id],
            "callback_urls": social_callback_urls(provider=state.id, tenant=tenant),
        }
        for state in states
    ]
    context = {
        "providers": providers,
        "can_manage": user_has_permission(request.user, Perm.SETTINGS_MANAGE),
    }
    return render(request, "customers/social_signin.html", context, status=status)
