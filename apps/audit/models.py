"""The store's audit log: one row per change a person, an API key or the platform made to
something the merchant cares about (catalog, orders, settings, team, domains)."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who changed what, when and from where. Rows are only ever added (and purged by retention).

    The actor and the object are kept as text snapshots besides their ids: the trail must still
    name a deleted product or a removed team member, and the actor may live in another schema
    (a platform user acting from the console) or not be a person at all (an API key, the system).
    """

    class ActorKind(models.TextChoices):
        USER = "user", _("Store staff")
        PLATFORM_USER = "platform_user", _("Merchant account")
        API_KEY = "api_key", _("API key")
        SYSTEM = "system", _("System")

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")
        # The team's own verbs, mirrored from the platform's team audit (apps.platform).
        INVITE_SENT = "invite_sent", _("Invitation sent")
        INVITE_ACCEPTED = "invite_accepted", _("Invitation accepted")
        INVITE_REVOKED = "invite_revoked", _("Invitation revoked")
        MEMBER_ADDED = "member_added", _("Member added")
        ROLE_CHANGED = "role_changed", _("Role changed")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        MEMBER_DEACTIVATED = "member_deactivated", _("Member's account deactivated")

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    actor_kind = models.CharField(_("actor kind"), max_length=20, choices=ActorKind.choices)
    # No foreign key: a store user, a platform user (public schema) or an API key's id.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("by"), max_length=255)  # email, "API key <name>", "system"
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)  # model label: "catalog.product"
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # {"field": [old, new]}: secrets show as changed without their values; long text is cut.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_entry_recent"),
            models.Index(fields=["object_type", "-created_at"], name="audit_entry_type"),
            models.Index(fields=["actor_label", "-created_at"], name="audit_entry_actor"),
            models.Index(fields=["action", "-created_at"], name="audit_entry_action"),
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object"),
            # The page's free-text filter (`object_repr__icontains` compares UPPER(...)).
            GinIndex(OpClass(Upper("object_repr"), name="gin_trgm_ops"), name="audit_entry_repr_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_id}"
