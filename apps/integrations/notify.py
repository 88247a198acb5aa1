"""Telling the store's owners and admins that an endpoint was switched off."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from apps.accounts.models import User
from apps.core.permissions import Role
from apps.core.tenancy import require_store, store_tenant
from apps.integrations.models import WebhookEndpoint
from apps.stores.selectors import store_settings_get
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)


def endpoint_alert_recipients() -> list[str]:
    """The email addresses of the store's active owners and admins."""
    return sorted(
        set(
            User.objects.filter(is_active=True, is_staff=True, store_role__in=[Role.OWNER, Role.ADMIN])
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _store_url() -> str:
    tenant = store_tenant()
    if not isinstance(tenant, Tenant):
        tenant = Tenant.objects.get(schema_name=require_store())
    return store_base_url(tenant)


def endpoint_disabled_notify(*, endpoint: WebhookEndpoint) -> None:
    """Email the owners and admins, once the transaction that disabled `endpoint` commits."""
    recipients = endpoint_alert_recipients()
    if not recipients:
        return
    profile = store_settings_get()
    context = {
        "store_name": profile.name,
        "endpoint": endpoint,
        "reason": endpoint.get_disabled_reason_display(),
        "url": _store_url()
        + reverse("dashboard:integrations:endpoint_detail", kwargs={"endpoint_uuid": endpoint.uuid}),
    }
    with translation.override(profile.default_language or settings.LANGUAGE_CODE):
        subject = render_to_string("integrations/email/endpoint_disabled_subject.txt", context).strip()
        body = render_to_string("integrations/email/endpoint_disabled.txt", context)

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:  # the endpoint stays disabled and visible on the dashboard regardless
            logger.exception("could not email the disabling of webhook endpoint %s", endpoint.pk)

    transaction.on_commit(send)
