from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "apps.fraud"
    label = "fraud"
    verbose_name = _("Fraud review")
    default_auto_field = "django.db.models.BigAutoField"
