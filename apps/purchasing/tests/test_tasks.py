"""The placement task (Celery eager: retries run at once) and the per-store tracking job, each
inside its store."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from apps.core.tenancy import NotInStoreError
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from apps.purchasing.tasks import purchase_order_place_task
from apps.purchasing.tests.factories import api_supplier, order_paid, settings_set, supplier_variant
from apps.tenants.tasks import store_job_fan_out

pytestmark = pytest.mark.django_db
S = PurchaseOrderStatus


def test_the_task_retries_a_passing_refusal_and_places_the_order(
    alpha, fake, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with tenant_context(alpha.tenant):
        # given a queued purchase order and a supplier busy for the first two calls
        settings_set(mode="approval")
        supplier = api_supplier(fake, "east")
        variant, _offer = supplier_variant(supplier)
        with django_capture_on_commit_callbacks(execute=True):
            order = order_paid([(variant, 1)])
        po = PurchaseOrder.objects.get(order=order)
        PurchaseOrder.objects.filter(pk=po.pk).update(status=S.QUEUED)
        fake.reject_next = ["SYSTEM_BUSY", "SYSTEM_BUSY"]

        # when the task runs, stamped with the store (as the service sends it)
        result = purchase_order_place_task.apply_async(
            args=(po.pk,), headers={"_schema_name": alpha.tenant.schema_name}
        ).get()

        # then it retried with backoff and the third attempt placed it
        po.refresh_from_db()
        assert result == {"purchase_order": po.pk, "status": S.PLACED}
        assert po.status == S.PLACED and po.attempts == 3 and len(fake.order_requests) == 3


def test_the_task_refuses_to_run_outside_a_store():
    with pytest.raises(NotInStoreError):
        purchase_order_place_task.apply(args=(1,)).get()


def test_the_tracking_job_runs_in_each_store(alpha, beta, fake, django_capture_on_commit_callbacks):
    from apps.fulfilment.models import Fulfilment

    # given a placed and shipped supplier order in alpha only
    with tenant_context(alpha.tenant):
        supplier = api_supplier(fake, "east")
        variant, _offer = supplier_variant(supplier)
        with django_capture_on_commit_callbacks(execute=True):
            order = order_paid([(variant, 1)])
        po = PurchaseOrder.objects.get(order=order)
        fake.ship(po.supplier_order_id)

    # when beat fans the job out (from the public schema)
    with django_capture_on_commit_callbacks(execute=True):
        totals = store_job_fan_out.delay("purchasing.tracking_sync").get()

    # then alpha's order shipped, and beta had nothing to do
    assert totals["failed"] == 0
    with tenant_context(alpha.tenant):
        assert Fulfilment.objects.filter(purchase_order_id=po.pk).count() == 1
    with tenant_context(beta.tenant):
        assert not PurchaseOrder.objects.exists()


def test_a_lost_placement_task_is_queued_again_by_the_sweep(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.purchasing.services import purchase_orders_resend_due

    # given a failed order whose retry was due long ago (its task was lost), and one not due yet
    settings_set(mode="approval")
    supplier = api_supplier(fake, "east")
    lost_variant, _ = supplier_variant(supplier)
    waiting_variant, _ = supplier_variant(api_supplier(fake, "west"))
    with django_capture_on_commit_callbacks(execute=True):
        lost_order = order_paid([(lost_variant, 1)])
        waiting_order = order_paid([(waiting_variant, 1)])
    lost = PurchaseOrder.objects.get(order=lost_order)
    waiting = PurchaseOrder.objects.get(order=waiting_order)
    now = timezone.now()
    PurchaseOrder.objects.filter(pk=lost.pk).update(
        status=S.FAILED, attempts=1, next_attempt_at=now - timedelta(hours=1)
    )
    PurchaseOrder.objects.filter(pk=waiting.pk).update(
        status=S.FAILED, attempts=1, next_attempt_at=now + timedelta(minutes=5)
    )

    # when the sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        resent = purchase_orders_resend_due()

    # then only the overdue one was sent, and placed
    assert resent == [lost.pk]
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.status == S.PLACED and lost.attempts == 2
    assert waiting.status == S.FAILED and len(fake.orders) == 1
