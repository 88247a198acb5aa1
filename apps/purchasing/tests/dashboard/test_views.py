"""The supplier order pages: who reads, who acts, what each store sees, and their queries."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus, PurchasingSettings
from apps.purchasing.tests.factories import po_row

pytestmark = pytest.mark.django_db
BASE = "/dashboard/purchase-orders"
S = PurchaseOrderStatus


def test_finance_reads_the_pages_but_cannot_act(alpha, role_client):
    with tenant_context(alpha.tenant):
        po = po_row(status=S.NEEDS_ATTENTION, last_error_code="po_no_address")
    finance = role_client("finance")
    for page in ("/", "/attention/", f"/{po.pk}/"):
        response = finance.get(f"{BASE}{page}")
        assert response.status_code == 200, page
    detail = finance.get(f"{BASE}/{po.pk}/").text
    assert "The order has no shipping address" in detail and "/retry/" not in detail
    for action in ("retry", "approve", "cancel", "mark-placed"):
        assert finance.post(f"{BASE}/{po.pk}/{action}/").status_code == 403, action
    assert finance.get(f"{BASE}/settings/").status_code == 403
    with tenant_context(alpha.tenant):
        assert PurchaseOrder.objects.get(pk=po.pk).status == S.NEEDS_ATTENTION


def test_staff_retry_mark_placed_and_cancel_with_confirmation(alpha, role_client):
    with tenant_context(alpha.tenant):
        stuck = po_row(status=S.NEEDS_ATTENTION)
        other = po_row(status=S.TO_PLACE_MANUALLY)
    staff = role_client("staff")

    # retry (a manual supplier's order goes back to "to place by hand")
    assert staff.post(f"{BASE}/{stuck.pk}/retry/").status_code == 302
    # mark placed: the supplier's id is required, then recorded
    refused = staff.post(f"{BASE}/{other.pk}/mark-placed/", {"supplier_order_id": ""})
    assert refused.status_code == 200 and "This field is required" in refused.text
    assert (
        staff.post(
            f"{BASE}/{other.pk}/mark-placed/", {"supplier_order_id": "SO-77", "cost": "3.10"}
        ).status_code
        == 302
    )
    # cancel asks first, then cancels
    confirm = staff.get(f"{BASE}/{stuck.pk}/cancel/")
    assert confirm.status_code == 200 and "Cancel supplier order" in confirm.text
    assert staff.post(f"{BASE}/{stuck.pk}/cancel/").status_code == 302
    # a refused action is a message, not an error page
    again = staff.post(f"{BASE}/{stuck.pk}/retry/", follow=True)
    assert again.status_code == 200 and "not possible now" in again.text

    with tenant_context(alpha.tenant):
        assert PurchaseOrder.objects.get(pk=stuck.pk).status == S.CANCELLED
        placed = PurchaseOrder.objects.get(pk=other.pk)
        assert (placed.status, placed.supplier_order_id, str(placed.cost)) == (S.PLACED, "SO-77", "3.100")


def test_settings_need_settings_manage(alpha, role_client):
    assert role_client("staff").get(f"{BASE}/settings/").status_code == 403
    owner = role_client("owner")
    assert owner.get(f"{BASE}/settings/").status_code == 200
    bad = owner.post(f"{BASE}/settings/", {"mode": "approval", "max_attempts": "0"})
    assert bad.status_code == 200 and "max_attempts" in bad.context["form"].errors
    saved = owner.post(
        f"{BASE}/settings/", {"mode": "approval", "max_attempts": "4", "max_lead_time_days": "12"}
    )
    assert saved.status_code == 302
    with tenant_context(alpha.tenant):
        current = PurchasingSettings.objects.get()
        assert (current.mode, current.max_attempts, current.max_lead_time_days) == ("approval", 4, 12)


def test_the_list_filters_by_status_and_its_queries_do_not_grow(
    alpha, role_client, django_assert_max_num_queries
):
    with tenant_context(alpha.tenant):
        po_row(status=S.PLACED)
        po_row(status=S.NEEDS_ATTENTION)
    client = role_client("staff")
    filtered = client.get(f"{BASE}/", {"status": S.PLACED})
    assert [po.status for po in filtered.context["page"].object_list] == [S.PLACED]
    client.get(f"{BASE}/")  # warm the session and caches
    with django_assert_max_num_queries(12) as few:
        client.get(f"{BASE}/")
    baseline = len(few)
    with tenant_context(alpha.tenant):
        for _ in range(30):
            po_row(status=S.PLACED)
    with django_assert_max_num_queries(baseline) as many:
        response = client.get(f"{BASE}/")
    assert len(response.context["page"].object_list) == 25 and response.context["page"].paginator.count == 32
    assert len(many) == baseline
    with django_assert_max_num_queries(baseline):
        attention = client.get(f"{BASE}/attention/")
    assert attention.status_code == 200


def test_empty_states(alpha, role_client):
    client = role_client("staff")
    assert "No supplier orders yet" in client.get(f"{BASE}/").text
    assert "Nothing needs you" in client.get(f"{BASE}/attention/").text


def test_the_order_page_lists_its_supplier_orders(alpha, role_client):
    with tenant_context(alpha.tenant):
        po = po_row(status=S.PLACED)
    page = role_client("finance").get(f"/dashboard/orders/{po.order.number}/")
    assert page.status_code == 200
    assert 'id="supplier-orders"' in page.text and po.supplier_order_id in page.text


def test_beta_cannot_see_or_change_alphas_purchase_orders(alpha, beta, role_client):
    with tenant_context(alpha.tenant):
        po = po_row(status=S.NEEDS_ATTENTION)
    with tenant_context(beta.tenant):
        assert not PurchaseOrder.objects.filter(pk=po.pk).exists()
    beta_staff = role_client("staff", beta)
    for page in (f"/{po.pk}/", f"/{po.pk}/cancel/", f"/{po.pk}/mark-placed/"):
        assert beta_staff.get(f"{BASE}{page}").status_code == 404, page
    assert beta_staff.post(f"{BASE}/{po.pk}/retry/").status_code == 404
    assert beta_staff.post(f"{BASE}/{po.pk}/cancel/").status_code == 404
    assert f"PO-{po.pk}<" not in beta_staff.get(f"{BASE}/").text
    with tenant_context(alpha.tenant):
        assert PurchaseOrder.objects.get(pk=po.pk).status == S.NEEDS_ATTENTION
