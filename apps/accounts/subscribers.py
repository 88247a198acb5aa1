"""Event subscribers of the accounts app."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.core.events import Event, subscribe
from apps.core.tenancy import store_tenant
from apps.tenants.links import store_base_url


@subscribe("customer.created")
def send_customer_welcome_email(event: Event) -> None:
    """Welcome a new shopper to the store they signed up on. A customer record made by a guest's
    first order (no account, `user_uuid` empty) gets no welcome: there is no account to open."""
    if not event.payload.get("user_uuid"):
        return
    store = store_tenant()
    context = {"store_name": store.name, "store_url": store_base_url(store)}
    send_mail(
        subject=_("Welcome to %(store)s") % {"store": store.name},
        message=render_to_string("accounts/email/welcome.txt", context),
        from_email=None,
        recipient_list=[event.payload["email"]],
    )
