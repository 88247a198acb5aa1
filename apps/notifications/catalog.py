"""The transactional emails the project ships: each template's name, who it goes to, the data it
is rendered with (and sample data for the preview and for checking a merchant's version), and its
default subject, HTML and text in Jinja2.

Default sources mark their sentences with `_()` (Jinja2's i18n extension calling Django's
gettext); `apps.notifications.messages` lists the same sentences for `makemessages`, and a test
keeps the two in step. A merchant's version replaces the default for one language.

Team invitations are not here: a merchant's team spans all its stores, so the platform sends
the invitation from the console (`apps.platform.team.invitations`), not one store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateName(models.TextChoices):
    ORDER_CONFIRMATION = "order_confirmation", _("Order confirmation")
    ORDER_SHIPPED = "order_shipped", _("Order shipped")
    ORDER_DELIVERED = "order_delivered", _("Order delivered")
    ORDER_REFUNDED = "order_refunded", _("Order refunded")
    DELIVERY_AT_RISK = "delivery_at_risk", _("Delivery running late")
    RETURN_REQUESTED = "return_requested", _("Return requested (to the store)")
    RETURN_APPROVED = "return_approved", _("Return approved")
    RETURN_REFUSED = "return_refused", _("Return refused")
    REVIEW_REQUEST = "review_request", _("Review request")
    WELCOME = "welcome", _("Welcome")
    PASSWORD_RESET = "password_reset", _("Password reset")
    GIFT_CARD = "gift_card", _("Gift card")
    LOW_STOCK = "low_stock", _("Low stock (to the store)")
    NEWSLETTER_CONFIRMATION = "newsletter_confirmation", _("Newsletter confirmation")


class Audience(models.TextChoices):
    SHOPPER = "shopper", _("Shopper")
    STORE = "store", _("Store")


# The shapes of the template-specific data: every key is always present, so a template may use
# any of them even when one send has nothing for it.
FULFILMENT_SHAPE: dict[str, Any] = {
    "carrier_name": "",
    "tracking_number": "",
    "tracking_url": "",
    "lines": [],
}
REFUND_SHAPE: dict[str, Any] = {"amount": "", "store_credit": False, "gift_card": False, "reason": ""}
DELIVERY_SHAPE: dict[str, Any] = {"estimated": "", "promised": "", "reason": ""}
RETURN_SHAPE: dict[str, Any] = {
    "id": "",
    "reason": "",
    "instructions": "",
    "label_url": "",
    "decision_note": "",
    "dashboard_url": "",
}
GIFT_CARD_SHAPE: dict[str, Any] = {"code": "", "amount": "", "expires": "", "note": ""}
STOCK_SHAPE: dict[str, Any] = {
    "sku": "",
    "title": "",
    "available": 0,
    "threshold": 0,
    "location": "",
    "url": "",
}


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    audience: str
    uses_order: bool
    subject: str
    html: str
    text: str
    # template-specific data: key -> its shape (a dict's keys are filled in, a list's items get
    # the keys of its one example item, a string defaults to "")
    extras: dict[str, Any] = field(default_factory=dict)
    # keys that must never be stored on the delivery row (a password-reset link)
    secret_extras: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return str(TemplateName(self.name).label)


# ------------------------------------------------------------------------------
# snippets the default sources share
# ------------------------------------------------------------------------------
_H1 = 'style="margin:0 0 16px;font-family:{{ theme.heading_font }};font-size:22px;color:{{ theme.text }};"'
_MUTED = 'style="color:{{ theme.muted }};font-size:13px;"'

_LINES_HTML = """
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:16px 0;">
{% for line in order.lines %}
  <tr>
    <td style="padding:8px 0;border-bottom:1px solid {{ theme.border }};">{{ line.title }}{% if line.variant %} <span style="color:{{ theme.muted }};">({{ line.variant }})</span>{% endif %} × {{ line.quantity }}</td>
    <td align="right" style="padding:8px 0;border-bottom:1px solid {{ theme.border }};white-space:nowrap;">{{ line.total }}</td>
  </tr>
{% endfor %}
</table>"""

_TOTALS_HTML = """
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 16px;">
  <tr><td style="padding:2px 0;">{{ _("Subtotal") }}</td><td align="right">{{ order.subtotal }}</td></tr>
  {% if order.has_discount %}<tr><td style="padding:2px 0;">{{ _("Discount") }}</td><td align="right">−{{ order.discount }}</td></tr>{% endif %}
  <tr><td style="padding:2px 0;">{{ _("Shipping") }}</td><td align="right">{{ order.shipping }}</td></tr>
  {% if order.has_tax %}<tr><td style="padding:2px 0;">{{ _("Tax") }}</td><td align="right">{{ order.tax }}</td></tr>{% endif %}
  <tr><td style="padding:8px 0;font-weight:700;border-top:2px solid {{ theme.text }};">{{ _("Total") }}</td><td align="right" style="padding:8px 0;font-weight:700;border-top:2px solid {{ theme.text }};">{{ order.total }}</td></tr>
  {% if order.has_gift_card %}<tr><td style="padding:2px 0;">{{ _("Paid by gift card") }}</td><td align="right">−{{ order.gift_card }}</td></tr>{% endif %}
  {% if order.has_store_credit %}<tr><td style="padding:2px 0;">{{ _("Paid by store credit") }}</td><td align="right">−{{ order.store_credit }}</td></tr>{% endif %}
</table>"""

_TOTALS_TEXT = """{{ _("Subtotal") }}: {{ order.subtotal }}
{% if order.has_discount %}{{ _("Discount") }}: −{{ order.discount }}
{% endif %}{{ _("Shipping") }}: {{ order.shipping }}
{% if order.has_tax %}{{ _("Tax") }}: {{ order.tax }}
{% endif %}{{ _("Total") }}: {{ order.total }}
{% if order.has_gift_card %}{{ _("Paid by gift card") }}: −{{ order.gift_card }}
{% endif %}{% if order.has_store_credit %}{{ _("Paid by store credit") }}: −{{ order.store_credit }}
{% endif %}"""

_LINES_TEXT = """{% for line in order.lines %}- {{ line.title }}{% if line.variant %} ({{ line.variant }}){% endif %} × {{ line.quantity }}: {{ line.total }}
{% endfor %}"""

_ORDER_LINK_HTML = '<p>{{ button(order.url, _("View your order")) }}</p>'
_ORDER_LINK_TEXT = '{{ _("View your order") }}: {{ order.url }}'


def _spec(
    name: TemplateName, *, audience: str = Audience.SHOPPER, uses_order: bool = True, **rest: Any
) -> TemplateSpec:
    return TemplateSpec(name=name.value, audience=audience, uses_order=uses_order, **rest)


SPECS: dict[str, TemplateSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            TemplateName.ORDER_CONFIRMATION,
            subject='{{ _("Order %(number)s confirmed", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("Thank you for your order!") }}}}</h1>
<p>{{{{ _("We have received your payment for order %(number)s and are getting it ready.", number=order.number) }}}}</p>
{_LINES_HTML}
{_TOTALS_HTML}
{{% if order.shipping_address %}}<p><strong>{{{{ _("Shipping to") }}}}</strong><br>{{% for line in order.shipping_address %}}{{{{ line }}}}<br>{{% endfor %}}{{% if order.shipping_method %}}<span {_MUTED}>{{{{ order.shipping_method }}}}</span>{{% endif %}}</p>{{% endif %}}
{_ORDER_LINK_HTML}""",
            text=f"""{{{{ _("Thank you for your order!") }}}}

{{{{ _("We have received your payment for order %(number)s and are getting it ready.", number=order.number) }}}}

{_LINES_TEXT}
{_TOTALS_TEXT}{{% if order.shipping_address %}}
{{{{ _("Shipping to") }}}}:
{{% for line in order.shipping_address %}}{{{{ line }}}}
{{% endfor %}}{{% endif %}}
{_ORDER_LINK_TEXT}
""",
        ),
        _spec(
            TemplateName.ORDER_SHIPPED,
            extras={"fulfilment": FULFILMENT_SHAPE},
            subject='{{ _("Order %(number)s is on its way", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("Your order is on its way") }}}}</h1>
<p>{{{{ _("Order %(number)s has shipped with %(carrier)s.", number=order.number, carrier=fulfilment.carrier_name) }}}}</p>
{{% if fulfilment.tracking_number %}}<p>{{{{ _("Tracking number") }}}}: <strong>{{{{ fulfilment.tracking_number }}}}</strong></p>{{% endif %}}
{{% if fulfilment.lines %}}<ul>{{% for line in fulfilment.lines %}}<li>{{{{ line.title }}}} × {{{{ line.quantity }}}}</li>{{% endfor %}}</ul>{{% endif %}}
{{% if fulfilment.tracking_url %}}<p>{{{{ button(fulfilment.tracking_url, _("Track your parcel")) }}}}</p>{{% endif %}}
<p><a href="{{{{ order.url }}}}" style="color:{{{{ theme.primary }}}};">{{{{ _("View your order") }}}}</a></p>""",
            text="""{{ _("Order %(number)s has shipped with %(carrier)s.", number=order.number, carrier=fulfilment.carrier_name) }}
{% if fulfilment.tracking_number %}
{{ _("Tracking number") }}: {{ fulfilment.tracking_number }}{% endif %}
{% for line in fulfilment.lines %}- {{ line.title }} × {{ line.quantity }}
{% endfor %}{% if fulfilment.tracking_url %}
{{ _("Track your parcel") }}: {{ fulfilment.tracking_url }}{% endif %}
"""
            + _ORDER_LINK_TEXT,
        ),
        _spec(
            TemplateName.ORDER_DELIVERED,
            extras={"fulfilment": FULFILMENT_SHAPE},
            subject='{{ _("Order %(number)s has been delivered", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("Your order has arrived") }}}}</h1>
<p>{{{{ _("Order %(number)s was delivered. We hope you enjoy it!", number=order.number) }}}}</p>
<p>{{{{ _("If something is not right, reply to this email and we will help.") }}}}</p>
{_ORDER_LINK_HTML}""",
            text=f"""{{{{ _("Order %(number)s was delivered. We hope you enjoy it!", number=order.number) }}}}

{{{{ _("If something is not right, reply to this email and we will help.") }}}}

{_ORDER_LINK_TEXT}
""",
        ),
        _spec(
            TemplateName.ORDER_REFUNDED,
            extras={"refund": REFUND_SHAPE},
            subject='{{ _("Refund for order %(number)s", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("Your refund is on its way") }}}}</h1>
{{% if refund.store_credit %}}<p>{{{{ _("We have added %(amount)s to your store credit for order %(number)s.", amount=refund.amount, number=order.number) }}}}</p>
{{% elif refund.gift_card %}}<p>{{{{ _("We have put %(amount)s back on the gift card you paid order %(number)s with.", amount=refund.amount, number=order.number) }}}}</p>
{{% else %}}<p>{{{{ _("We have refunded %(amount)s for order %(number)s to the payment method you used. It can take a few days to appear.", amount=refund.amount, number=order.number) }}}}</p>{{% endif %}}
{{% if refund.reason %}}<p {_MUTED}>{{{{ refund.reason }}}}</p>{{% endif %}}
{_ORDER_LINK_HTML}""",
            text=f"""{{% if refund.store_credit %}}{{{{ _("We have added %(amount)s to your store credit for order %(number)s.", amount=refund.amount, number=order.number) }}}}{{% elif refund.gift_card %}}{{{{ _("We have put %(amount)s back on the gift card you paid order %(number)s with.", amount=refund.amount, number=order.number) }}}}{{% else %}}{{{{ _("We have refunded %(amount)s for order %(number)s to the payment method you used. It can take a few days to appear.", amount=refund.amount, number=order.number) }}}}{{% endif %}}
{{% if refund.reason %}}
{{{{ refund.reason }}}}{{% endif %}}

{_ORDER_LINK_TEXT}
""",
        ),
        _spec(
            TemplateName.DELIVERY_AT_RISK,
            extras={"delivery": DELIVERY_SHAPE},
            subject='{{ _("An update on order %(number)s", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("Your order is running late") }}}}</h1>
<p>{{{{ _("We are sorry: order %(number)s is taking longer than we promised.", number=order.number) }}}}</p>
{{% if delivery.estimated %}}<p>{{{{ _("We now expect it to arrive by %(date)s.", date=delivery.estimated) }}}}</p>{{% endif %}}
<p>{{{{ _("We are keeping an eye on it and will write again when it is delivered.") }}}}</p>
{_ORDER_LINK_HTML}""",
            text=f"""{{{{ _("We are sorry: order %(number)s is taking longer than we promised.", number=order.number) }}}}
{{% if delivery.estimated %}}{{{{ _("We now expect it to arrive by %(date)s.", date=delivery.estimated) }}}}
{{% endif %}}{{{{ _("We are keeping an eye on it and will write again when it is delivered.") }}}}

{_ORDER_LINK_TEXT}
""",
        ),
        _spec(
            TemplateName.RETURN_REQUESTED,
            audience=Audience.STORE,
            extras={"return_request": RETURN_SHAPE},
            subject='{{ _("Return requested for order %(number)s", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("A customer asked to return items") }}}}</h1>
<p>{{{{ _("%(email)s asked to return items from order %(number)s.", email=order.email, number=order.number) }}}}</p>
{{% if return_request.reason %}}<p><strong>{{{{ _("Reason") }}}}:</strong> {{{{ return_request.reason }}}}</p>{{% endif %}}
{{% if return_request.dashboard_url %}}<p>{{{{ button(return_request.dashboard_url, _("Review the return")) }}}}</p>{{% endif %}}""",
            text="""{{ _("%(email)s asked to return items from order %(number)s.", email=order.email, number=order.number) }}
{% if return_request.reason %}{{ _("Reason") }}: {{ return_request.reason }}
{% endif %}{% if return_request.dashboard_url %}{{ _("Review the return") }}: {{ return_request.dashboard_url }}
{% endif %}""",
        ),
        _spec(
            TemplateName.RETURN_APPROVED,
            extras={"return_request": RETURN_SHAPE},
            subject='{{ _("Your return for order %(number)s is approved", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("Your return is approved") }}}}</h1>
<p>{{{{ _("You can send back the items from order %(number)s.", number=order.number) }}}}</p>
{{% if return_request.instructions %}}<p>{{{{ return_request.instructions }}}}</p>{{% endif %}}
{{% if return_request.label_url %}}<p>{{{{ button(return_request.label_url, _("Download the return label")) }}}}</p>{{% endif %}}
{{% if return_request.decision_note %}}<p {_MUTED}>{{{{ return_request.decision_note }}}}</p>{{% endif %}}""",
            text=f"""{{{{ _("You can send back the items from order %(number)s.", number=order.number) }}}}
{{% if return_request.instructions %}}
{{{{ return_request.instructions }}}}
{{% endif %}}{{% if return_request.label_url %}}
{{{{ _("Download the return label") }}}}: {{{{ return_request.label_url }}}}
{{% endif %}}{{% if return_request.decision_note %}}
{{{{ return_request.decision_note }}}}
{{% endif %}}
{_ORDER_LINK_TEXT}
""",
        ),
        _spec(
            TemplateName.RETURN_REFUSED,
            extras={"return_request": RETURN_SHAPE},
            subject='{{ _("About your return for order %(number)s", number=order.number) }}',
            html=f"""<h1 {_H1}>{{{{ _("We cannot accept this return") }}}}</h1>
<p>{{{{ _("We looked at your return request for order %(number)s and cannot accept it.", number=order.number) }}}}</p>
{{% if return_request.decision_note %}}<p>{{{{ return_request.decision_note }}}}</p>{{% endif %}}
<p>{{{{ _("If you have questions, reply to this email.") }}}}</p>""",
            text="""{{ _("We looked at your return request for order %(number)s and cannot accept it.", number=order.number) }}
{% if return_request.decision_note %}
{{ return_request.decision_note }}
{% endif %}
{{ _("If you have questions, reply to this email.") }}
""",
        ),
        _spec(
            TemplateName.REVIEW_REQUEST,
            extras={"review_url": "", "lines": [{"title": "", "url": "", "sku": "", "quantity": 0}]},
            subject='{{ _("How do you like your order from %(store)s?", store=store.name) }}',
            html=f"""<h1 {_H1}>{{{{ _("How was it?") }}}}</h1>
<p>{{{{ _("You received order %(number)s a little while ago. A short review helps other shoppers choose.", number=order.number) }}}}</p>
{{% if lines %}}<ul>{{% for line in lines %}}<li>{{% if line.url %}}<a href="{{{{ line.url }}}}" style="color:{{{{ theme.primary }}}};">{{{{ line.title }}}}</a>{{% else %}}{{{{ line.title }}}}{{% endif %}}</li>{{% endfor %}}</ul>{{% endif %}}
{{% if review_url %}}<p>{{{{ button(review_url, _("Write a review")) }}}}</p>{{% endif %}}""",
            text="""{{ _("You received order %(number)s a little while ago. A short review helps other shoppers choose.", number=order.number) }}
{% for line in lines %}- {{ line.title }}{% if line.url %}: {{ line.url }}{% endif %}
{% endfor %}{% if review_url %}
{{ _("Write a review") }}: {{ review_url }}
{% endif %}""",
        ),
        _spec(
            TemplateName.WELCOME,
            uses_order=False,
            extras={"account_url": ""},
            subject='{{ _("Welcome to %(store)s", store=store.name) }}',
            html=f"""<h1 {_H1}>{{{{ _("Welcome to %(store)s!", store=store.name) }}}}</h1>
<p>{{{{ _("Your account is ready. You can follow your orders and check out faster next time.") }}}}</p>
<p>{{{{ button(account_url, _("Open your account")) }}}}</p>""",
            text="""{{ _("Welcome to %(store)s!", store=store.name) }}

{{ _("Your account is ready. You can follow your orders and check out faster next time.") }}

{{ _("Open your account") }}: {{ account_url }}
""",
        ),
        _spec(
            TemplateName.PASSWORD_RESET,
            uses_order=False,
            extras={"reset_url": ""},
            secret_extras=frozenset({"reset_url"}),
            subject='[{{ store.name }}] {{ _("Reset your password") }}',
            html=f"""<h1 {_H1}>{{{{ _("Reset your password") }}}}</h1>
<p>{{{{ _("Someone asked to reset the password of your account at %(store)s. If it was you, choose a new password with the button below.", store=store.name) }}}}</p>
<p>{{{{ button(reset_url, _("Choose a new password")) }}}}</p>
<p {_MUTED}>{{{{ _("If you did not ask for this, ignore this email: your password stays as it is.") }}}}</p>""",
            text="""{{ _("Someone asked to reset the password of your account at %(store)s. If it was you, choose a new password with the button below.", store=store.name) }}

{{ reset_url }}

{{ _("If you did not ask for this, ignore this email: your password stays as it is.") }}
""",
        ),
        _spec(
            TemplateName.GIFT_CARD,
            uses_order=False,
            extras={"gift_card": GIFT_CARD_SHAPE},
            subject='{{ _("Your %(amount)s gift card for %(store)s", amount=gift_card.amount, store=store.name) }}',
            html=f"""<h1 {_H1}>{{{{ _("You have a gift card!") }}}}</h1>
<p>{{{{ _("Here is a gift card worth %(amount)s to spend at %(store)s.", amount=gift_card.amount, store=store.name) }}}}</p>
<p style="font-size:22px;font-weight:700;letter-spacing:2px;padding:12px;border:2px dashed {{{{ theme.primary }}}};text-align:center;">{{{{ gift_card.code }}}}</p>
{{% if gift_card.expires %}}<p {_MUTED}>{{{{ _("Valid until %(date)s.", date=gift_card.expires) }}}}</p>{{% endif %}}
{{% if gift_card.note %}}<p>{{{{ gift_card.note }}}}</p>{{% endif %}}
<p>{{{{ button(store.url, _("Start shopping")) }}}}</p>""",
            text="""{{ _("Here is a gift card worth %(amount)s to spend at %(store)s.", amount=gift_card.amount, store=store.name) }}

{{ gift_card.code }}
{% if gift_card.expires %}{{ _("Valid until %(date)s.", date=gift_card.expires) }}
{% endif %}{% if gift_card.note %}{{ gift_card.note }}
{% endif %}
{{ store.url }}
""",
        ),
        _spec(
            TemplateName.LOW_STOCK,
            uses_order=False,
            audience=Audience.STORE,
            extras={"stock": STOCK_SHAPE},
            subject='{{ _("Low stock: %(sku)s", sku=stock.sku) }}',
            html=f"""<h1 {_H1}>{{{{ _("Stock is running low") }}}}</h1>
<p>{{{{ _("%(sku)s has %(available)s units left at %(location)s (alert at %(threshold)s).", sku=stock.sku, available=stock.available, location=stock.location, threshold=stock.threshold) }}}}</p>
{{% if stock.title %}}<p>{{{{ stock.title }}}}</p>{{% endif %}}
{{% if stock.url %}}<p>{{{{ button(stock.url, _("Open the inventory")) }}}}</p>{{% endif %}}""",
            text="""{{ _("%(sku)s has %(available)s units left at %(location)s (alert at %(threshold)s).", sku=stock.sku, available=stock.available, location=stock.location, threshold=stock.threshold) }}
{% if stock.title %}{{ stock.title }}
{% endif %}{% if stock.url %}{{ _("Open the inventory") }}: {{ stock.url }}
{% endif %}""",
        ),
        _spec(
            TemplateName.NEWSLETTER_CONFIRMATION,
            uses_order=False,
            # The confirmation link is the proof of consent: kept off the delivery log, so staff
            # cannot confirm an address for its owner (apps.stores.newsletter signs it).
            extras={"confirm_url": "", "unsubscribe_url": ""},
            secret_extras=frozenset({"confirm_url"}),
            subject='{{ _("Please confirm your subscription to %(store)s", store=store.name) }}',
            html=f"""<h1 {_H1}>{{{{ _("One more step") }}}}</h1>
<p>{{{{ _("Someone, hopefully you, asked to receive the newsletter of %(store)s at this address. Please confirm with the button below.", store=store.name) }}}}</p>
<p>{{{{ button(confirm_url, _("Confirm my subscription")) }}}}</p>
<p {_MUTED}>{{{{ _("If you did not ask for this, ignore this email: you will not be subscribed.") }}}}{{% if unsubscribe_url %}} <a href="{{{{ unsubscribe_url }}}}" style="color:{{{{ theme.muted }}}};">{{{{ _("Never email me about this newsletter") }}}}</a>{{% endif %}}</p>""",
            text="""{{ _("Someone, hopefully you, asked to receive the newsletter of %(store)s at this address. Please confirm with the button below.", store=store.name) }}

{{ _("Confirm my subscription") }}: {{ confirm_url }}

{{ _("If you did not ask for this, ignore this email: you will not be subscribed.") }}
{% if unsubscribe_url %}{{ _("Never email me about this newsletter") }}: {{ unsubscribe_url }}
{% endif %}""",
        ),
    )
}


def spec_get(name: str) -> TemplateSpec | None:
    return SPECS.get(name)
