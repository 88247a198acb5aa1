"""The console's team pages on the platform domain: members and open invitations (`team.view`),
inviting, changing roles, removing and revoking (`team.manage`), the team's audit trail
(`team.ownership`), and the page where an invited person accepts. Every rule lives in
`apps.platform.team`; these views only translate between HTTP and those services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.billing.limits import PlanLimitReached
from apps.core.permissions import Perm, no_permission_required
from apps.platform.access import MerchantAccess, client_ip, merchant_permission_required
from apps.platform.models import Membership
from apps.platform.selectors import merchants_for_user
from apps.platform.team import (
    TeamError,
    invitation_check,
    invitation_for_token,
    merchant_store_tenants,
    team_invitation_accept,
    team_invitation_revoke,
    team_member_invite,
    team_member_remove,
    team_member_role_change,
    user_owns_address,
)
from apps.platform.team_forms import TeamInviteForm, TeamRoleForm
from apps.platform.team_selectors import (
    invitation_is_expired,
    team_audit_entries,
    team_invitation,
    team_invitations_open,
    team_member,
    team_members,
    team_owner_count,
)

AUDIT_PAGE_SIZE = 50


def _team_redirect(access: MerchantAccess) -> HttpResponse:
    return redirect("platform:team", merchant_uuid=access.merchant.uuid)


def _member_or_404(access: MerchantAccess, user_uuid: str) -> Membership:
    membership = team_member(merchant=access.merchant, user_uuid=user_uuid)
    if membership is None:
        raise Http404(_("No such member."))
    return membership


@never_cache
@login_required
@no_permission_required("lists only the signed-in user's own merchants and sends them on to one")
def team_index(request: HttpRequest) -> HttpResponse:
    merchants = list(merchants_for_user(user=request.user))  # type: ignore[arg-type]
    if not merchants:
        return redirect("platform:onboarding")
    if len(merchants) == 1:
        return redirect("platform:team", merchant_uuid=merchants[0].uuid)
    return render(request, "platform/team_choose.html", {"merchants": merchants})


@never_cache
@merchant_permission_required(Perm.TEAM_VIEW, write=Perm.TEAM_MANAGE)
@require_GET
def team(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    invitations = list(team_invitations_open(merchant=access.merchant))
    for invitation in invitations:
        invitation.is_expired = invitation_is_expired(invitation)  # type: ignore[attr-defined]
    context = {
        "access": access,
        "merchant": access.merchant,
        "team_perms": access.perm_names,
        "members": team_members(merchant=access.merchant),
        "invitations": invitations,
        "owner_count": team_owner_count(merchant=access.merchant),
    }
    return render(request, "platform/team.html", context)


@never_cache
@merchant_permission_required(Perm.TEAM_MANAGE)
def team_invite(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    form = TeamInviteForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = team_member_invite(
                merchant=access.merchant,
                actor=request.user,  # type: ignore[arg-type]
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                ip_address=client_ip(request),
            )
        except (TeamError, PlanLimitReached) as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return _team_redirect(access)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "platform/team_invite.html",
        {"access": access, "merchant": access.merchant, "form": form},
        status=status,
    )


@never_cache
@merchant_permission_required(Perm.TEAM_MANAGE)
@require_POST
def team_invitation_revoke_view(
    request: HttpRequest, access: MerchantAccess, invitation_id: str
) -> HttpResponse:
    invitation = team_invitation(merchant=access.merchant, invitation_id=invitation_id)
    if invitation is None:
        raise Http404(_("No such invitation."))
    try:
        team_invitation_revoke(invitation=invitation, actor=request.user, ip_address=client_ip(request))  # type: ignore[arg-type]
    except TeamError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email})
    return _team_redirect(access)


@never_cache
@merchant_permission_required(Perm.TEAM_MANAGE)
def team_member_role(request: HttpRequest, access: MerchantAccess, user_uuid: str) -> HttpResponse:
    membership = _member_or_404(access, user_uuid)
    form = TeamRoleForm(request.POST or None, access=access, membership=membership)
    if request.method == "POST" and form.is_valid():
        old_role = membership.get_role_display()
        try:
            changed = team_member_role_change(
                membership=membership,
                actor=request.user,  # type: ignore[arg-type]
                role=form.cleaned_data["role"],
                ip_address=client_ip(request),
            )
        except TeamError as error:
            form.add_error("role" if error.field == "role" else None, error.message)
        else:
            messages.success(
                request,
                _("%(email)s is now %(role)s (was %(old)s), in the console and in every store.")
                % {"email": changed.user.email, "role": changed.get_role_display(), "old": old_role},
            )
            return _team_redirect(access)
    status = 400 if request.method == "POST" else 200
    context = {"access": access, "merchant": access.merchant, "member": membership, "form": form}
    return render(request, "platform/team_member_role.html", context, status=status)


@never_cache
@merchant_permission_required(Perm.TEAM_MANAGE)
def team_member_remove_view(request: HttpRequest, access: MerchantAccess, user_uuid: str) -> HttpResponse:
    membership = _member_or_404(access, user_uuid)
    error = None
    if request.method == "POST":
        email = membership.user.email
        removed_self = membership.pk == access.membership.pk
        try:
            team_member_remove(membership=membership, actor=request.user, ip_address=client_ip(request))  # type: ignore[arg-type]
        except TeamError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("%(email)s was removed from the team; their dashboard access to every store has ended.")
                % {"email": email},
            )
            if removed_self:
                return redirect("platform:console")
            return _team_redirect(access)
    context = {
        "access": access,
        "merchant": access.merchant,
        "member": membership,
        "store_count": len(merchant_store_tenants(merchant_id=access.merchant.pk)),
        "error": error,
    }
    return render(request, "platform/team_member_remove.html", context, status=400 if error else 200)


@never_cache
@merchant_permission_required(Perm.AUDIT_VIEW)
@require_GET
def team_audit(request: HttpRequest, access: MerchantAccess) -> HttpResponse:
    page = Paginator(team_audit_entries(merchant=access.merchant), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "platform/team_audit.html", {"access": access, "merchant": access.merchant, "page": page}
    )


@never_cache
@no_permission_required(
    "the single-use invitation link is the credential; accepting also needs the invited address signed in"
)
def team_invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_check(invitation=invitation_for_token(token=token))
    except TeamError as error:
        return render(request, "platform/team_invitation.html", {"error": error.message}, status=400)
    user = request.user
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.path)
        try:
            membership = team_invitation_accept(token=token, user=user, ip_address=client_ip(request))  # type: ignore[arg-type]
        except (TeamError, PlanLimitReached) as error:
            context = {"invitation": invitation, "error": error.message}
            return render(request, "platform/team_invitation.html", context, status=400)
        messages.success(
            request,
            _("Welcome to %(merchant)s. You joined as %(role)s.")
            % {"merchant": membership.merchant.name, "role": membership.get_role_display()},
        )
        return redirect("platform:console")
    email_matches = user.is_authenticated and user_owns_address(user=user, email=invitation.email)  # type: ignore[arg-type]
    context = {"invitation": invitation, "email_matches": email_matches}
    return render(request, "platform/team_invitation.html", context)
