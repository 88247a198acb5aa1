from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save, pre_delete

        from apps.api import jobs  # noqa: F401  (registers the per-store clean-up job)
        from apps.api.keys import api_key_creator_deleted, api_key_creator_saved, api_key_saved_or_deleted
        from apps.api.models import ApiKey
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        nav_register(
            NavItem(
                label=_("API keys"),
                url_name="dashboard:api_keys:key_list",
                order=88,
                permission=Perm.API_KEYS_VIEW,
                group=NavGroup.DEVELOPERS,
            )
        )
        # A kept key is dropped when what it may do changes (apps.api.keys).
        post_save.connect(api_key_saved_or_deleted, sender=ApiKey, dispatch_uid="api.key_saved")
        post_delete.connect(api_key_saved_or_deleted, sender=ApiKey, dispatch_uid="api.key_deleted")
        user = settings.AUTH_USER_MODEL
        post_save.connect(api_key_creator_saved, sender=user, dispatch_uid="api.creator_saved")
        pre_delete.connect(api_key_creator_deleted, sender=user, dispatch_uid="api.creator_deleted")
