"""Return requests: the shopper asks from their account (within the window, for units they
received and have not asked back), staff approve or refuse from the dashboard, and the label
reaches only the shopper whose return it is."""

from __future__ import annotations

import re
import uuid

import pytest
from django_tenants.utils import schema_context

from apps.core.models import EventRecord
from apps.orders.enums import OrderEventKind
from apps.orders.models import Order
from apps.returns.enums import ReturnErrorCode, ReturnStatus
from apps.returns.errors import ReturnError
from apps.returns.models import ReturnPhoto, ReturnRequest, ReturnSettings
from apps.returns.selectors import return_settings_get
from apps.returns.services import return_approve
from apps.returns.tests.factories import (
    age,
    client_for,
    paid_order,
    pdf_upload,
    photo_upload,
    return_make,
    shopper_make,
    staff_client,
)
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db


def _request_url(order: Order) -> str:
    return f"/account/orders/{order.uuid}/return/"


def _names(order: Order) -> list[str]:
    return sorted(
        name
        for name in EventRecord.objects.filter(payload__order=str(order.uuid)).values_list("name", flat=True)
        if name.startswith("return.")
    )


def _count(world: StoreWorld) -> int:
    with schema_context(world.tenant.schema_name):
        return ReturnRequest.objects.count()


def test_a_return_requested_within_the_window_is_saved_with_its_photos(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = age(paid_order(user=shopper, quantity=3), days=10)
        line = order.lines.get()
    client = client_for(alpha, shopper)

    page = client.get(_request_url(order))
    assert page.status_code == 200 and f'name="quantity_{line.pk}"' in page.text
    response = client.post(
        _request_url(order),
        {
            f"quantity_{line.pk}": "2",
            "reason": "size",
            "comment": "Too small",
            "token": str(uuid.uuid4()),
            "photos": [photo_upload(), photo_upload("b.png")],
        },
    )

    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        request = ReturnRequest.objects.get(order=order)
        assert request.status == ReturnStatus.REQUESTED and request.units == 2
        assert request.photos.count() == 2
        assert order.events.filter(kind=OrderEventKind.RETURN_REQUESTED).count() == 1
        assert _names(order) == ["return.requested"]
        payload = EventRecord.objects.get(name="return.requested", payload__order=str(order.uuid)).payload
        assert payload["return"]["id"] == str(request.uuid) and payload["return"]["reason"] == "size"
    # the order page shows it to the shopper
    detail = client.get(f"/account/orders/{order.uuid}/").text
    assert 'id="returns"' in detail and "Requested" in detail


def test_past_the_window_the_request_is_refused_and_nothing_saved(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = age(paid_order(user=shopper), days=31)
        line = order.lines.get()
    client = client_for(alpha, shopper)

    page = client.get(_request_url(order))
    assert "return window for this order closed" in page.text
    response = client.post(
        _request_url(order), {f"quantity_{line.pk}": "1", "reason": "size", "token": str(uuid.uuid4())}
    )

    assert response.status_code == 400
    assert "30-day return window for this order closed" in response.text
    assert _count(alpha) == 0
    with schema_context(alpha.tenant.schema_name):
        assert not ReturnPhoto.objects.exists()
        # a longer window lets it through
        ReturnSettings.objects.filter(pk=return_settings_get().pk).update(window_days=60)
    assert (
        client.post(
            _request_url(order), {f"quantity_{line.pk}": "1", "reason": "size", "token": str(uuid.uuid4())}
        ).status_code
        == 302
    )


def test_the_same_form_posted_twice_sends_one_request(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=2)
        line = order.lines.get()
    client = client_for(alpha, shopper)
    page = client.get(_request_url(order)).text
    token = re.search(r'name="token" value="([0-9a-f-]{36})"', page)
    assert token is not None  # the page carries its one-time token
    form = {f"quantity_{line.pk}": "1", "reason": "size", "token": token.group(1)}

    first = client.post(_request_url(order), form)
    second = client.post(_request_url(order), form)  # a double click

    assert first.status_code == second.status_code == 302
    assert "already sent; it was not sent again" in client.get(second["Location"]).text
    assert _count(alpha) == 1
    with schema_context(alpha.tenant.schema_name):
        assert _names(order) == ["return.requested"]
    # a new page load may ask for the other unit
    again = {**form, "token": str(uuid.uuid4())}
    assert client.post(_request_url(order), again).status_code == 302
    assert _count(alpha) == 2


def test_a_form_without_its_token_is_refused_and_sends_nothing(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=1)
        line = order.lines.get()
    response = client_for(alpha, shopper).post(
        _request_url(order), {f"quantity_{line.pk}": "1", "reason": "size"}
    )
    assert response.status_code == 400
    assert "This form is out of date; reload the page and send it again." in response.text
    assert _count(alpha) == 0


def test_more_than_was_bought_or_already_asked_back_is_refused(in_alpha):
    order = paid_order(quantity=2)
    line = order.lines.get()
    with pytest.raises(ReturnError) as refused:
        return_make(order, units=3)
    assert refused.value.code == ReturnErrorCode.QUANTITY_TOO_LARGE
    return_make(order, units=2)
    with pytest.raises(ReturnError) as again:
        return_make(order, units=1)
    assert again.value.code == ReturnErrorCode.QUANTITY_TOO_LARGE
    assert ReturnRequest.objects.count() == 1 and line.pk


def test_photos_are_checked_required_counted_and_limited(in_alpha):
    order = paid_order(quantity=2)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ReturnError) as svg:
        return_make(order, photos=[SimpleUploadedFile("x.svg", b"<svg></svg>", content_type="image/svg+xml")])
    assert svg.value.code == ReturnErrorCode.PHOTO_INVALID
    with pytest.raises(ReturnError) as many:
        return_make(order, photos=[photo_upload(f"{n}.png") for n in range(6)])
    assert many.value.code == ReturnErrorCode.TOO_MANY_PHOTOS
    ReturnSettings.objects.filter(pk=return_settings_get().pk).update(photos_required=True)
    with pytest.raises(ReturnError) as missing:
        return_make(order)
    assert missing.value.code == ReturnErrorCode.PHOTOS_REQUIRED
    assert ReturnRequest.objects.count() == 0


def test_another_shoppers_order_is_not_found(alpha):
    owner = shopper_make(alpha)
    other = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=owner)
        line = order.lines.get()
    client = client_for(alpha, other)

    assert client.get(_request_url(order)).status_code == 404
    assert (
        client.post(
            _request_url(order), {f"quantity_{line.pk}": "1", "reason": "size", "token": str(uuid.uuid4())}
        ).status_code
        == 404
    )
    assert _count(alpha) == 0


def test_approving_with_a_label_and_refusing_emit_their_events(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=2)
        first = return_make(order, units=1)
        second = return_make(order, units=1)
    staff, _user = staff_client(alpha, "staff")

    approve = staff.post(
        f"/dashboard/returns/{first.uuid}/approve/",
        {"instructions": "Send to Hauptstr. 1", "label": pdf_upload()},
    )
    refuse_empty = staff.post(f"/dashboard/returns/{second.uuid}/refuse/", {"reason": ""})
    refuse = staff.post(f"/dashboard/returns/{second.uuid}/refuse/", {"reason": "Worn"})

    assert approve.status_code == 302
    assert refuse_empty.status_code == 400 and "Say why" in refuse_empty.text
    assert refuse.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == ReturnStatus.APPROVED and first.label
        assert second.status == ReturnStatus.REFUSED and second.decision_note == "Worn"
        assert _names(order) == ["return.approved", "return.refused", "return.requested", "return.requested"]
        approved = EventRecord.objects.get(name="return.approved", payload__order=str(order.uuid)).payload[
            "return"
        ]
        assert approved["instructions"] == "Send to Hauptstr. 1"
        assert approved["label_url"].endswith(f"/account/returns/{first.uuid}/label/")
        refused = EventRecord.objects.get(name="return.refused", payload__order=str(order.uuid)).payload[
            "return"
        ]
        assert refused["decision_note"] == "Worn"
        kinds = set(order.events.values_list("kind", flat=True))
        assert {OrderEventKind.RETURN_APPROVED, OrderEventKind.RETURN_REFUSED} <= kinds
    # a refused return cannot be approved afterwards
    again = staff.post(f"/dashboard/returns/{second.uuid}/approve/", {"instructions": "x"})
    assert again.status_code == 400
    # the shopper sees the instructions and the label link
    page = client_for(alpha, shopper).get(f"/account/orders/{order.uuid}/").text
    assert (
        "Send to Hauptstr. 1" in page and f"/account/returns/{first.uuid}/label/" in page and "Worn" in page
    )


def test_the_label_download_refuses_another_shopper(alpha):
    owner = shopper_make(alpha)
    other = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=owner)
        request = return_make(order)
        return_approve(return_request=request, actor=None, label=pdf_upload())
    url = f"/account/returns/{request.uuid}/label/"

    mine = client_for(alpha, owner).get(url)
    theirs = client_for(alpha, other).get(url)
    anonymous = client_for(alpha, owner).__class__(HTTP_HOST=alpha.host).get(url)

    body = b"".join(mine.streaming_content)  # type: ignore[attr-defined]
    assert mine.status_code == 200 and body.startswith(b"%PDF-")
    assert "attachment" in mine["Content-Disposition"]
    assert theirs.status_code == 404
    assert anonymous.status_code == 302


def test_the_returns_list_filters_pages_and_keeps_its_queries_fixed(alpha, django_assert_max_num_queries):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=5, lines=2)
        for _ in range(2):
            return_make(order)
    client, _user = staff_client(alpha, "finance")
    client.get("/dashboard/returns/")  # warm the session and the nav

    with django_assert_max_num_queries(12) as few:
        client.get("/dashboard/returns/")
    with schema_context(alpha.tenant.schema_name):
        for _ in range(3):
            return_make(order)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/dashboard/returns/")
    assert page.text.count("/dashboard/returns/") >= 5
    assert "No return matches" in client.get("/dashboard/returns/?status=refused").text
    empty = client.get("/dashboard/returns/?status=requested")
    assert empty.status_code == 200


def test_the_empty_list_explains_itself(alpha):
    client, _user = staff_client(alpha, "staff")
    assert "No returns yet" in client.get("/dashboard/returns/").text


def test_with_shipments_the_window_counts_from_delivery_and_only_shipped_units_return(in_alpha):
    from datetime import timedelta

    from django.utils import timezone

    from apps.fulfilment.models import Fulfilment, FulfilmentLine

    # given an order paid 50 days ago, 1 of its 3 units shipped and delivered 5 days ago
    order = age(paid_order(quantity=3), days=50)
    line = order.lines.get()
    shipment = Fulfilment.objects.create(
        order=order,
        carrier="dhl",
        carrier_name="DHL",
        tracking_number="00340434161094042557",
        shipped_at=timezone.now() - timedelta(days=8),
        delivered_at=timezone.now() - timedelta(days=5),
        status="delivered",
    )
    FulfilmentLine.objects.create(fulfilment=shipment, order_line=line, quantity=1)
    # then the window is open (from delivery) but only the shipped unit may come back
    with pytest.raises(ReturnError) as refused:
        return_make(order, units=2)
    assert refused.value.code == ReturnErrorCode.QUANTITY_TOO_LARGE
    assert return_make(order, units=1).status == ReturnStatus.REQUESTED
    # and 31 days after delivery it is closed
    Fulfilment.objects.filter(pk=shipment.pk).update(delivered_at=timezone.now() - timedelta(days=31))
    shipment_two = Fulfilment.objects.create(
        order=order, carrier="dhl", carrier_name="DHL", tracking_number="X2", shipped_at=timezone.now()
    )
    FulfilmentLine.objects.create(fulfilment=shipment_two, order_line=line, quantity=1)
    with pytest.raises(ReturnError) as closed:
        return_make(order, units=1)
    assert closed.value.code == ReturnErrorCode.WINDOW_CLOSED


def _dashboard_post_forms(html: str) -> list[str]:
    """The page's POST forms that reach the dashboard (the header's sign-out and language
    forms post elsewhere)."""
    tags = re.findall(r"<form\b[^>]*>", html)
    return [
        tag for tag in tags if 'method="post"' in tag and not re.search(r'action="/(accounts|i18n)/', tag)
    ]


def test_the_return_policy_is_read_by_finance_and_changed_by_staff(alpha):
    finance, _user = staff_client(alpha, "finance")
    staff, _user = staff_client(alpha, "staff")

    assert finance.get("/dashboard/returns/settings/").status_code == 200
    assert finance.post("/dashboard/returns/settings/", {"window_days": "14"}).status_code == 403
    bad = staff.post("/dashboard/returns/settings/", {"window_days": "999"})
    saved = staff.post(
        "/dashboard/returns/settings/",
        {"window_days": "14", "photos_required": "on", "instructions": "Use DHL"},
    )

    assert bad.status_code == 400
    assert saved.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        policy = return_settings_get()
        assert (policy.window_days, policy.photos_required, policy.instructions) == (14, True, "Use DHL")
    # the approve page offers the default instructions
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        request = return_make(paid_order(user=shopper), photos=[photo_upload()])
    assert "Use DHL" in staff.get(f"/dashboard/returns/{request.uuid}/approve/").text


def test_finance_reads_the_return_policy_without_a_form_to_submit(alpha):
    finance, _user = staff_client(alpha, "finance")
    staff, _user = staff_client(alpha, "staff")
    saved = {"window_days": "21", "photos_required": "on", "instructions": "Use DHL"}
    assert staff.post("/dashboard/returns/settings/", saved).status_code == 302
    assert _dashboard_post_forms(staff.get("/dashboard/returns/settings/").text) == [
        '<form method="post" novalidate>'
    ]

    html = finance.get("/dashboard/returns/settings/").text
    assert re.search(r'name="window_days" value="21"[^>]*\bdisabled\b', html)
    assert re.search(r'<textarea name="instructions"[^>]*\bdisabled\b[^>]*>\s*Use DHL', html)
    assert "your role cannot change it" in html
    assert _dashboard_post_forms(html) == []


def test_the_return_page_shows_photos_to_staff_only(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        request = return_make(paid_order(user=shopper), photos=[photo_upload()])
        photo = request.photos.get()
    staff, _user = staff_client(alpha, "staff")
    url = f"/dashboard/returns/{request.uuid}/photos/{photo.pk}/"

    page = staff.get(f"/dashboard/returns/{request.uuid}/")
    image = staff.get(url)

    assert page.status_code == 200 and url in page.text
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client_for(alpha, shopper).get(url).status_code == 403


def test_the_shopper_may_withdraw_an_undecided_request_and_only_their_own(alpha):
    owner = shopper_make(alpha)
    other = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=owner, quantity=1)
        request = return_make(order)
    url = f"/account/returns/{request.uuid}/withdraw/"

    assert client_for(alpha, other).post(url).status_code == 404
    assert client_for(alpha, owner).post(url).status_code == 302

    with schema_context(alpha.tenant.schema_name):
        request.refresh_from_db()
        assert request.status == ReturnStatus.CANCELLED
        # its unit may be asked back again
        assert return_make(order).status == ReturnStatus.REQUESTED
