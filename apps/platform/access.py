"""Who may open a console page of one merchant, and from which address a request came.

`merchant_permission_required` is the console's counterpart of
`apps.core.permissions.permission_required`: it resolves the merchant from the URL, asks the one
role -> permission map about the signed-in user's membership role, and declares the same
`view_permission` (a `ViewPermission`) so that a walk over the URLconf can read what each page
needs. Someone who is not a member of the merchant gets a 404, as if it did not exist.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core.permissions import Perm, ViewPermission, role_permissions
from apps.platform.models import Membership, Merchant

FORBIDDEN_TEMPLATE = "platform/team_forbidden.html"

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class MerchantAccess:
    """The merchant a console page is about, and the signed-in user's place in it."""

    merchant: Merchant
    membership: Membership
    permissions: frozenset[Perm]

    def can(self, permission: Perm | str) -> bool:
        return permission in self.permissions

    @property
    def perm_names(self) -> frozenset[str]:
        """For templates: `{% if "team.manage" in access.perm_names %}`."""
        return frozenset(str(permission) for permission in self.permissions)


def merchant_permission_required(read: Perm | str, *, write: Perm | str | None = None) -> Callable[[V], V]:
    """Decorate a console view whose URL carries `merchant_uuid`. The view is called with
    `access` (a `MerchantAccess`) instead of `merchant_uuid`. `read` guards GET/HEAD/OPTIONS,
    `write` (default: `read`) every other method."""
    declared = ViewPermission(read=Perm(read), write=Perm(write) if write else Perm(read))

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, merchant_uuid: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = (
                Membership.objects.select_related("merchant", "user")
                .filter(user=user, merchant__uuid=merchant_uuid)
                .first()
            )
            if membership is None:
                raise Http404(_("No such merchant."))
            permissions = role_permissions(membership.role)
            needed = declared.for_method(request.method or "GET")
            if needed is None or needed not in permissions:
                context = {"permission": needed, "merchant": membership.merchant, "membership": membership}
                return render(request, FORBIDDEN_TEMPLATE, context, status=403)
            access = MerchantAccess(
                merchant=membership.merchant, membership=membership, permissions=permissions
            )
            return view(request, *args, access=access, **kwargs)

        wrapped.view_permission = declared  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def store_permission_required(read: Perm | str, *, write: Perm | str | None = None) -> Callable[[V], V]:
    """Decorate a console view whose URL carries `store_uuid`: the signed-in user must be a member
    of the store's merchant (else 404) whose role has the permission (else 403). The view is
    called with `store` (the Tenant) instead of `store_uuid`."""
    from apps.platform.selectors import store_for_user

    declared = ViewPermission(read=Perm(read), write=Perm(write) if write else Perm(read))

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, store_uuid: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            store = store_for_user(user=user, store_uuid=str(store_uuid))  # type: ignore[arg-type]
            if store is None or store.merchant_id is None:
                raise Http404(_("No such store."))
            membership = Membership.objects.filter(user=user, merchant_id=store.merchant_id).first()
            needed = declared.for_method(request.method or "GET")
            if membership is None or needed is None or needed not in role_permissions(membership.role):
                context = {"permission": needed, "merchant": store.merchant, "membership": membership}
                return render(request, FORBIDDEN_TEMPLATE, context, status=403)
            return view(request, *args, store=store, **kwargs)

        wrapped.view_permission = declared  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def merchants_with_permission(user: Any, permission: Perm) -> list[Merchant]:
    """The merchants in which `user`'s role has `permission`."""
    memberships = Membership.objects.filter(user=user).select_related("merchant").order_by("merchant__name")
    return [m.merchant for m in memberships if permission in role_permissions(m.role)]


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from, for audit trails.

    REMOTE_ADDR, unless `TRUSTED_PROXY_COUNT` says how many proxies of ours stand in front of the
    app: then the address the outermost of them saw, counted from the right of X-Forwarded-For
    (entries to its left are whatever the client sent, so they are never trusted).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    candidate = remote
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        try:
            return str(ipaddress.ip_address(remote))
        except ValueError:
            return None
