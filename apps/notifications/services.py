"""Notifications: sending transactional emails and text messages, and the merchant's templates.

`notification_send` is the one way other apps send a message: it writes a `Delivery` (queued)
and, once the caller's transaction commits, queues `delivery_send_task`, which renders the
message in the recipient's language (the merchant's template for that language, else the
project's translated default) inside the store's branded layout and sends it through Django's
email backend (SMTP in production) or the store's SMS provider. A `key` makes a send idempotent:
the same key twice is one message (subscribers pass the event id, so a redelivered event sends
once). Sent order emails add an EMAIL_SENT entry to the order's timeline.

Merchant templates are checked before they are saved (`template_save`): a syntax error, an
unknown variable or a refused attribute is reported with its line, nothing is written.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.tenancy import current_schema, require_store
from apps.notifications.catalog import SPECS, TemplateSpec
from apps.notifications.context import context_build, language_resolve, sample_context
from apps.notifications.errors import NotificationError, NotificationErrorCode
from apps.notifications.models import Delivery, EmailTemplate
from apps.notifications.rendering import (
    PartProblem,
    Rendered,
    Sources,
    TemplateProblem,
    plain,
    render_sources,
    sources_check,
    sources_default,
)
from apps.notifications.sms import SmsError, sms_sender
from apps.orders.enums import OrderEventKind
from apps.orders.models import Order
from apps.orders.selectors import order_detail
from apps.orders.timeline import order_event_add
from apps.stores.selectors import store_settings_get

logger = logging.getLogger(__name__)

# Templates whose data carries a secret (a reset link): never stored, so never sent again.
NOT_RESENDABLE = frozenset(name for name, spec in SPECS.items() if spec.secret_extras)


def _spec(name: str) -> TemplateSpec:
    spec = SPECS.get(name)
    if spec is None:
        raise NotificationError(
            _("There is no email template named %(name)s.") % {"name": name},
            code=NotificationErrorCode.UNKNOWN_TEMPLATE,
            params={"name": name},
        )
    return spec


def _language_check(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise NotificationError(
            _("%(language)s is not a language of the store.") % {"language": language},
            code=NotificationErrorCode.UNKNOWN_LANGUAGE,
            field="language",
            params={"language": language},
        )
    return language


# ------------------------------------------------------------------------------
# templates
# ------------------------------------------------------------------------------
def template_sources(*, name: str, language: str) -> tuple[Sources, EmailTemplate | None]:
    """What `name` is rendered from in `language`: the merchant's version, else the default."""
    spec = _spec(name)
    override = EmailTemplate.objects.filter(name=name, language=language).first()
    if override is None:
        return sources_default(spec), None
    return Sources(subject=override.subject, html=override.body_html, text=override.body_text), override


class TemplateRefused(NotificationError):
    """A merchant's template that cannot be used; `problems` maps "subject", "html" and
    "text" to what is wrong with each (line included)."""

    def __init__(self, problems: dict[str, TemplateProblem]) -> None:
        super().__init__(
            _("The template has errors."),
            code=NotificationErrorCode.TEMPLATE_INVALID,
            params={part: {"line": problem.line} for part, problem in problems.items()},
        )
        self.problems = problems


def template_check(*, name: str, language: str, sources: Sources) -> dict[str, TemplateProblem]:
    """The problems of `sources` rendered on the template's sample data (empty when none)."""
    _spec(name)
    return sources_check(sources, sample_context(name, language=language))


@transaction.atomic
def template_save(
    *, name: str, language: str, subject: str, body_html: str, body_text: str, actor: Any | None = None
) -> EmailTemplate:
    """Save the merchant's version of `name` in `language`; raises `TemplateRefused` (nothing
    written) when a part has a syntax error, an unknown variable or a refused attribute."""
    _spec(name)
    _language_check(language)
    sources = Sources(subject=subject.strip(), html=body_html, text=body_text)
    problems = template_check(name=name, language=language, sources=sources)
    if not sources.subject:
        problems["subject"] = TemplateProblem(_("The subject cannot be empty."))
    if problems:
        raise TemplateRefused(problems)
    template, _created = EmailTemplate.objects.update_or_create(
        name=name,
        language=language,
        defaults={
            "subject": sources.subject,
            "body_html": sources.html,
            "body_text": sources.text,
            "updated_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    return template


def template_reset(*, name: str, language: str) -> bool:
    """Go back to the project's default for `name` in `language`; True if there was a version."""
    _spec(name)
    deleted, _rows = EmailTemplate.objects.filter(name=name, language=language).delete()
    return bool(deleted)


def template_preview(*, name: str, language: str, sources: Sources | None = None) -> Rendered:
    """`name` rendered on sample data in `language` (the saved version unless `sources` are
    given); raises `TemplateProblem`."""
    if sources is None:
        sources, _override = template_sources(name=name, language=language)
    return render_sources(sources, sample_context(name, language=language), language=language)


# ------------------------------------------------------------------------------
# sending
# ------------------------------------------------------------------------------
def _queue(delivery_id: uuid.UUID) -> None:
    from apps.notifications.tasks import delivery_send_task

    schema = current_schema()

    def send() -> None:
        try:
            delivery_send_task.apply_async(args=(str(delivery_id),), headers={"_schema_name": schema})
        except Exception:
            # The row stays queued; the dashboard's log shows it and staff can send it again.
            logger.exception("could not queue delivery %s in %s", delivery_id, schema)

    transaction.on_commit(send)


def notification_send(
    *,
    template: str,
    to: str,
    language: str = "",
    order: Order | None = None,
    extra: dict[str, Any] | None = None,
    key: str = "",
    channel: str = Delivery.Channel.EMAIL,
    immediate: bool = False,
) -> Delivery | None:
    """Send `template` to `to` (an email address, or a phone number with channel "sms").

    Writes a queued `Delivery` and sends it through Celery once the caller's transaction commits
    (`immediate`: now, in this process, for a message the reader is waiting for, such as a
    password reset). `key` makes it idempotent: with a key already used, the existing delivery
    is returned and nothing is sent. `extra` is the template's own data (see
    `apps.notifications.catalog`), plain values only. Returns None when there is no address.
    """
    require_store()
    spec = _spec(template)
    to = (to or "").strip()
    if not to:
        logger.info("notification %s not sent in %s: no address", template, current_schema())
        return None
    if channel not in Delivery.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    extras = plain(dict(extra or {}))
    stored = {name: value for name, value in extras.items() if name not in spec.secret_extras}
    language = language_resolve(language or (order.language if order is not None else ""))
    key = key or f"{template}:{uuid.uuid4()}"
    if len(key) > 200:
        key = key[:200]
    existing = Delivery.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                template=template,
                channel=channel,
                to=to[:254],
                language=language,
                key=key,
                order_uuid=order.uuid if order is not None else None,
                context=stored,
            )
    except IntegrityError:
        # Another worker handling the same event wrote the key first: that one sends.
        return Delivery.objects.filter(key=key).first()
    if immediate:
        delivery_attempt(delivery_id=delivery.pk, secrets=extras, final=True)
        delivery.refresh_from_db()
    else:
        _queue(delivery.pk)
    return delivery


def delivery_resend(*, delivery: Delivery) -> Delivery:
    """Send `delivery`'s message again as a new delivery (the original stays in the log)."""
    if delivery.template in NOT_RESENDABLE:
        raise NotificationError(
            _(
                "This message held a one-time link and cannot be sent again; ask the customer to request a new one."
            ),
            code=NotificationErrorCode.NOT_RESENDABLE,
        )
    order = Order.objects.filter(uuid=delivery.order_uuid).first() if delivery.order_uuid else None
    again = notification_send(
        template=delivery.template,
        to=delivery.to,
        language=delivery.language,
        order=order,
        extra=delivery.context,
        channel=delivery.channel,
    )
    assert again is not None  # the address was there before
    return again


def notification_test_send(*, template: str, language: str, to: str) -> Delivery | None:
    """Send `template` on sample data to `to` (the signed-in merchant), now."""
    _spec(template)
    _language_check(language)
    return notification_send(
        template=template, to=to, language=language, extra={"sample": True}, immediate=True
    )


# ------------------------------------------------------------------------------
# delivering one message (the task's body)
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttemptResult:
    status: str
    retry: bool


def _render_for(delivery: Delivery, spec: TemplateSpec, secrets: dict[str, Any] | None) -> Rendered:
    language = delivery.language or store_settings_get().default_language
    if delivery.context.get("sample"):
        context = sample_context(spec.name, language=language)
    else:
        order = order_detail(order_uuid=delivery.order_uuid) if delivery.order_uuid else None
        extras = {**delivery.context, **(secrets or {})}
        extras = {**extras, **_stored_secrets_load(spec, extras)}
        with translation.override(language):
            context = context_build(
                spec=spec, language=language, recipient=delivery.to, order=order, extras=extras
            )
    sources, override = template_sources(name=spec.name, language=language)
    try:
        return render_sources(sources, context, language=language)
    except TemplateProblem as problem:
        if override is None:
            raise
        # The merchant's version broke on real data (it passed on sample data): the shopper
        # still gets the default, and the log says why.
        part = problem.part if isinstance(problem, PartProblem) else ""
        logger.warning("template %s/%s failed (%s: %s); default sent", spec.name, language, part, problem)
        return render_sources(sources_default(spec), context, language=language)


def _stored_secrets_load(spec: TemplateSpec, extras: dict[str, Any]) -> dict[str, Any]:
    """Data kept out of the delivery row and read again when sending: a gift card's code."""
    if spec.name == "gift_card" and extras.get("gift_card_id"):
        from apps.checkout.models import GiftCard

        code = GiftCard.objects.filter(pk=extras["gift_card_id"]).values_list("code", flat=True).first()
        card = dict(extras.get("gift_card") or {})
        card["code"] = code or ""
        return {"gift_card": card}
    return {}


def _from_address() -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((store_settings_get().name, address or settings.DEFAULT_FROM_EMAIL))


def _email_send(delivery: Delivery, rendered: Rendered) -> str:
    contact = store_settings_get().contact_email
    _name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
    message_id = make_msgid(domain=sender.rpartition("@")[2] or None)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=_from_address(),
        to=[delivery.to],
        reply_to=[contact] if contact else None,
        headers={"X-Notification": delivery.template, "Message-ID": message_id},
    )
    message.attach_alternative(rendered.html, "text/html")
    message.send(fail_silently=False)
    return message_id


def _sms_body(delivery: Delivery, rendered: Rendered) -> str:
    """A text message is short: the store's name and the subject, and the one link that matters."""
    name = store_settings_get().name
    link = ""
    if delivery.template == "order_shipped":
        fulfilment = delivery.context.get("fulfilment") or {}
        link = str(fulfilment.get("tracking_url") or "")
    return " ".join(part for part in (f"{name}:", rendered.subject, link) if part)


def delivery_attempt(
    *, delivery_id: Any, secrets: dict[str, Any] | None = None, final: bool
) -> AttemptResult:
    """Render and send one delivery. A failure is recorded on the row; it is marked failed when
    `final` (the last try) or when trying again cannot help, and otherwise stays queued for the
    task to retry. Sending twice is safe: a sent delivery is not sent again."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            logger.warning("delivery %s not found in %s", delivery_id, current_schema())
            return AttemptResult(status="missing", retry=False)
        if delivery.status == Delivery.Status.SENT:
            return AttemptResult(status=delivery.status, retry=False)
        spec = _spec(delivery.template)
        delivery.attempts += 1
        retry = False
        try:
            rendered = _render_for(delivery, spec, secrets)
            delivery.subject = rendered.subject[:500]
            if delivery.channel == Delivery.Channel.SMS:
                delivery.provider_id = sms_sender().send(delivery.to, _sms_body(delivery, rendered))[:100]
            else:
                delivery.provider_id = _email_send(delivery, rendered)[:100]
        except (TemplateProblem, NotificationError) as exc:
            retry = isinstance(exc, SmsError) and exc.retryable and not final
            delivery.error = str(exc)[:2000]
            delivery.status = Delivery.Status.QUEUED if retry else Delivery.Status.FAILED
        except Exception as exc:  # SMTP, network: worth trying again
            logger.warning("delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, exc)
            retry = not final
            delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.status = Delivery.Status.QUEUED if retry else Delivery.Status.FAILED
        else:
            delivery.status = Delivery.Status.SENT
            delivery.error = ""
            delivery.sent_at = timezone.now()
            _timeline_add(delivery)
        delivery.save()
    logger.info(
        "delivery %s (%s, %s) to %s: %s after %s attempts",
        delivery.pk,
        delivery.template,
        delivery.channel,
        delivery.to,
        delivery.status,
        delivery.attempts,
    )
    return AttemptResult(status=delivery.status, retry=retry)


def _timeline_add(delivery: Delivery) -> None:
    if delivery.order_uuid is None or delivery.context.get("sample"):
        return
    order = Order.objects.filter(uuid=delivery.order_uuid).first()
    if order is None:
        return
    order_event_add(
        order=order,
        kind=OrderEventKind.EMAIL_SENT,
        params={"template": delivery.template, "to": delivery.to, "channel": delivery.channel},
    )
