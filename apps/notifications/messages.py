"""The sentences of the default email templates, for makemessages.

The defaults (apps.notifications.catalog) are Jinja2 sources that makemessages cannot read; this
list repeats their `_()` sentences so they reach the catalogs, and a test keeps the two in step.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

MESSAGES: tuple[str, ...] = (
    gettext_noop("%(email)s asked to return items from order %(number)s."),
    gettext_noop("%(sku)s has %(available)s units left at %(location)s (alert at %(threshold)s)."),
    gettext_noop("A customer asked to return items"),
    gettext_noop("About your return for order %(number)s"),
    gettext_noop("An update on order %(number)s"),
    gettext_noop("Choose a new password"),
    gettext_noop("Confirm my subscription"),
    gettext_noop("Discount"),
    gettext_noop("Download the return label"),
    gettext_noop("Here is a gift card worth %(amount)s to spend at %(store)s."),
    gettext_noop("How do you like your order from %(store)s?"),
    gettext_noop("How was it?"),
    gettext_noop("If something is not right, reply to this email and we will help."),
    gettext_noop("If you did not ask for this, ignore this email: you will not be subscribed."),
    gettext_noop("If you did not ask for this, ignore this email: your password stays as it is."),
    gettext_noop("If you have questions, reply to this email."),
    gettext_noop("Low stock: %(sku)s"),
    gettext_noop("Never email me about this newsletter"),
    gettext_noop("One more step"),
    gettext_noop("Open the inventory"),
    gettext_noop("Open your account"),
    gettext_noop("Order %(number)s confirmed"),
    gettext_noop("Order %(number)s has been delivered"),
    gettext_noop("Order %(number)s has shipped with %(carrier)s."),
    gettext_noop("Order %(number)s is on its way"),
    gettext_noop("Order %(number)s was delivered. We hope you enjoy it!"),
    gettext_noop("Paid by gift card"),
    gettext_noop("Paid by store credit"),
    gettext_noop("Please confirm your subscription to %(store)s"),
    gettext_noop("Reason"),
    gettext_noop("Refund for order %(number)s"),
    gettext_noop("Reset your password"),
    gettext_noop("Return requested for order %(number)s"),
    gettext_noop("Review the return"),
    gettext_noop("Shipping"),
    gettext_noop("Shipping to"),
    gettext_noop(
        "Someone asked to reset the password of your account at %(store)s. If it was you, choose a new password with the button below."
    ),
    gettext_noop(
        "Someone, hopefully you, asked to receive the newsletter of %(store)s at this address. Please confirm with the button below."
    ),
    gettext_noop("Start shopping"),
    gettext_noop("Stock is running low"),
    gettext_noop("Subtotal"),
    gettext_noop("Tax"),
    gettext_noop("Thank you for your order!"),
    gettext_noop("Total"),
    gettext_noop("Track your parcel"),
    gettext_noop("Tracking number"),
    gettext_noop("Valid until %(date)s."),
    gettext_noop("View your order"),
    gettext_noop("We are keeping an eye on it and will write again when it is delivered."),
    gettext_noop("We are sorry: order %(number)s is taking longer than we promised."),
    gettext_noop("We cannot accept this return"),
    gettext_noop("We have added %(amount)s to your store credit for order %(number)s."),
    gettext_noop("We have put %(amount)s back on the gift card you paid order %(number)s with."),
    gettext_noop("We have received your payment for order %(number)s and are getting it ready."),
    gettext_noop(
        "We have refunded %(amount)s for order %(number)s to the payment method you used. It can take a few days to appear."
    ),
    gettext_noop("We looked at your return request for order %(number)s and cannot accept it."),
    gettext_noop("We now expect it to arrive by %(date)s."),
    gettext_noop("Welcome to %(store)s"),
    gettext_noop("Welcome to %(store)s!"),
    gettext_noop("Write a review"),
    gettext_noop("You can send back the items from order %(number)s."),
    gettext_noop("You have a gift card!"),
    gettext_noop(
        "You received order %(number)s a little while ago. A short review helps other shoppers choose."
    ),
    gettext_noop("Your %(amount)s gift card for %(store)s"),
    gettext_noop("Your account is ready. You can follow your orders and check out faster next time."),
    gettext_noop("Your order has arrived"),
    gettext_noop("Your order is on its way"),
    gettext_noop("Your order is running late"),
    gettext_noop("Your refund is on its way"),
    gettext_noop("Your return for order %(number)s is approved"),
    gettext_noop("Your return is approved"),
)
