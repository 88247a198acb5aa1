"""Notifications pages: the email templates (edit per language with a live preview, send a
test, go back to the default), the log of sent messages (filter, resend) and the SMS settings.

Reading needs `notifications.view` (owner, admin, finance); changing anything needs
`notifications.manage` (owner, admin).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.notifications.catalog import SPECS, Audience, TemplateName, TemplateSpec
from apps.notifications.dashboard.forms import DeliveryFilterForm, SmsSettingsForm, TemplateForm
from apps.notifications.errors import NotificationError
from apps.notifications.models import Delivery, EmailTemplate
from apps.notifications.rendering import PartProblem, Sources, TemplateProblem
from apps.notifications.services import (
    NOT_RESENDABLE,
    TemplateRefused,
    delivery_resend,
    notification_test_send,
    template_check,
    template_preview,
    template_reset,
    template_save,
    template_sources,
)
from apps.notifications.sms import sms_settings_get

DELIVERIES_PER_PAGE = 25


def _languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _spec_or_404(name: str, language: str) -> TemplateSpec:
    spec = SPECS.get(name)
    if spec is None or language not in dict(settings.LANGUAGES):
        raise Http404(_("No such template."))
    return spec


def _edit_url(name: str, language: str) -> str:
    return reverse("dashboard:notifications:template_edit", kwargs={"name": name, "language": language})


@never_cache
@permission_required(Perm.NOTIFICATIONS_VIEW)
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    customised: dict[str, set[str]] = {}
    for name, language in EmailTemplate.objects.values_list("name", "language"):
        customised.setdefault(name, set()).add(language)
    languages = _languages()
    rows = [
        {
            "spec": spec,
            "label": spec.label,
            "audience": Audience(spec.audience).label,
            "languages": [
                {
                    "code": code,
                    "name": label,
                    "custom": code in customised.get(spec.name, set()),
                    "url": _edit_url(spec.name, code),
                }
                for code, label in languages
            ],
        }
        for spec in (SPECS[name] for name in TemplateName.values)
    ]
    return render(request, "notifications/dashboard/template_list.html", {"rows": rows})


def _preview(name: str, language: str, sources: Sources | None) -> dict[str, Any]:
    try:
        rendered = template_preview(name=name, language=language, sources=sources)
    except TemplateProblem as problem:
        part = problem.part if isinstance(problem, PartProblem) else ""
        return {"error": str(problem), "part": part}
    return {"subject": rendered.subject, "html": rendered.html, "text": rendered.text}


@never_cache
@permission_required(Perm.NOTIFICATIONS_VIEW, write=Perm.NOTIFICATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, name: str, language: str) -> HttpResponse:
    spec = _spec_or_404(name, language)
    sources, override = template_sources(name=name, language=language)
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                template_save(
                    name=name,
                    language=language,
                    subject=form.cleaned_data["subject"],
                    body_html=form.cleaned_data["body_html"],
                    body_text=form.cleaned_data["body_text"],
                    actor=request.user,
                )
            except TemplateRefused as refused:
                form.add_problems(refused.problems)
            else:
                messages.success(request, _("Template saved."))
                return redirect(_edit_url(name, language))
        posted = Sources(
            subject=request.POST.get("subject", ""),
            html=request.POST.get("body_html", ""),
            text=request.POST.get("body_text", ""),
        )
        preview = _preview(name, language, posted)
    else:
        form = TemplateForm(
            initial={"subject": sources.subject, "body_html": sources.html, "body_text": sources.text}
        )
        preview = _preview(name, language, None)
    can_manage = user_has_permission(request.user, Perm.NOTIFICATIONS_MANAGE)
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "spec": spec,
        "label": spec.label,
        "language": language,
        "language_name": dict(_languages()).get(language, language),
        "language_links": [(code, label, _edit_url(name, code)) for code, label in _languages()],
        "override": override,
        "form": form,
        "preview": preview,
        "can_manage": can_manage,
        "variables": _variables(spec),
        "syntax_help": _(
            "Write %(variable)s to insert a value; %(if)s and %(for)s work as in Jinja. Only these values exist:"
        )
        % {"variable": "{{ order.number }}", "if": "{% if … %}", "for": "{% for … %}"},
    }
    return render(request, "notifications/dashboard/template_edit.html", context)


def _variables(spec: TemplateSpec) -> list[str]:
    names = ["store.name", "store.url", "store.email", "store.address", "theme.primary", "recipient.email"]
    if spec.uses_order:
        names += ["order.number", "order.url", "order.total", "order.lines", "order.shipping_address"]
    for key, shape in spec.extras.items():
        if isinstance(shape, dict):
            names += [f"{key}.{field}" for field in shape]
        else:
            names.append(key)
    names.append('button(url, _("Label"))')
    return names


@never_cache
@permission_required(Perm.NOTIFICATIONS_MANAGE)
@require_POST
def template_preview_view(request: HttpRequest, name: str, language: str) -> JsonResponse:
    """The live preview: the posted sources rendered on sample data, or the problem found."""
    _spec_or_404(name, language)
    sources = Sources(
        subject=request.POST.get("subject", "")[:500],
        html=request.POST.get("body_html", "")[:100_000],
        text=request.POST.get("body_text", "")[:50_000],
    )
    problems = template_check(name=name, language=language, sources=sources)
    if problems:
        return JsonResponse({"errors": {part: str(problem) for part, problem in problems.items()}})
    return JsonResponse({"errors": {}, **_preview(name, language, sources)})


@never_cache
@permission_required(Perm.NOTIFICATIONS_MANAGE)
@require_POST
def template_test(request: HttpRequest, name: str, language: str) -> HttpResponse:
    """Send the saved template, on sample data, to the signed-in merchant."""
    _spec_or_404(name, language)
    email = getattr(request.user, "email", "")
    delivery = notification_test_send(template=name, language=language, to=email)
    if delivery is not None and delivery.status == Delivery.Status.SENT:
        messages.success(request, _("A test email was sent to %(email)s.") % {"email": email})
    else:
        error = delivery.error if delivery is not None else _("Your account has no email address.")
        messages.error(request, _("The test email could not be sent: %(error)s") % {"error": error})
    return redirect(_edit_url(name, language))


@never_cache
@permission_required(Perm.NOTIFICATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def template_reset_view(request: HttpRequest, name: str, language: str) -> HttpResponse:
    spec = _spec_or_404(name, language)
    if request.method == "POST":
        if template_reset(name=name, language=language):
            messages.success(request, _("The template is back to the default."))
        return redirect(_edit_url(name, language))
    context = {
        "spec": spec,
        "label": spec.label,
        "language": language,
        "language_name": dict(_languages()).get(language, language),
        "edit_url": _edit_url(name, language),
        "override": EmailTemplate.objects.filter(name=name, language=language).first(),
    }
    return render(request, "notifications/dashboard/template_reset.html", context)


@never_cache
@permission_required(Perm.NOTIFICATIONS_VIEW)
@require_GET
def delivery_list(request: HttpRequest) -> HttpResponse:
    form = DeliveryFilterForm(request.GET or None)
    filters = form.filters()
    deliveries = Delivery.objects.only(
        "id",
        "created_at",
        "template",
        "channel",
        "to",
        "language",
        "subject",
        "status",
        "attempts",
        "error",
        "sent_at",
        "order_uuid",
    )
    if filters.get("q"):
        deliveries = deliveries.filter(to__icontains=filters["q"])
    for field in ("status", "template", "channel"):
        if filters.get(field):
            deliveries = deliveries.filter(**{field: filters[field]})
    page = Paginator(deliveries.order_by("-created_at"), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    labels = dict(TemplateName.choices)
    context = {
        "form": form,
        "filtered": bool(filters),
        "page": page,
        "rows": [
            {
                "delivery": delivery,
                "label": labels.get(delivery.template, delivery.template),
                "resendable": delivery.template not in NOT_RESENDABLE,
            }
            for delivery in page.object_list
        ],
        "can_manage": user_has_permission(request.user, Perm.NOTIFICATIONS_MANAGE),
    }
    return render(request, "notifications/dashboard/delivery_list.html", context)


@never_cache
@permission_required(Perm.NOTIFICATIONS_MANAGE)
@require_POST
def delivery_resend_view(request: HttpRequest, delivery_id: str) -> HttpResponse:
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404(_("No such message."))
    try:
        delivery_resend(delivery=delivery)
    except NotificationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The message to %(to)s is queued again.") % {"to": delivery.to})
    return redirect("dashboard:notifications:delivery_list")


@never_cache
@permission_required(Perm.NOTIFICATIONS_VIEW, write=Perm.NOTIFICATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def sms_settings(request: HttpRequest) -> HttpResponse:
    instance = sms_settings_get()
    form = SmsSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Text message settings saved."))
        return redirect("dashboard:notifications:sms_settings")
    can_manage = user_has_permission(request.user, Perm.NOTIFICATIONS_MANAGE)
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "notifications/dashboard/sms_settings.html",
        {"form": form, "can_manage": can_manage, "token_saved": bool(instance.auth_token)},
    )
