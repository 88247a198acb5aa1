"""The notifications pages: who may read and change what, templates per store, the log."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context

from apps.notifications.models import Delivery, EmailTemplate, SmsSettings

pytestmark = pytest.mark.django_db

BASE = "/dashboard/notifications/"
EDIT = BASE + "templates/order_confirmation/en/"
VALID = {
    "subject": "Order {{ order.number }} is in",
    "body_html": "<p>Thanks from {{ store.name }}</p>",
    "body_text": "Thanks from {{ store.name }}",
}


def _dashboard_post_forms(html: str) -> list[str]:
    """The page's POST forms that reach the dashboard (the header's sign-out and language
    forms post elsewhere)."""
    tags = re.findall(r"<form\b[^>]*>", html)
    return [
        tag for tag in tags if 'method="post"' in tag and not re.search(r'action="/(accounts|i18n)/', tag)
    ]


def _delivery(**fields):
    values = {
        "template": "welcome",
        "to": "someone@example.com",
        "key": fields.pop("key", None) or str(fields),
    }
    values.update(fields)
    return Delivery.objects.create(**values)


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("owner", 200, 302), ("admin", 200, 302), ("finance", 200, 403), ("staff", 403, 403)],
)
def test_roles(alpha, role_client, role, read, write):
    client = role_client(role)
    for path in (BASE, EDIT, BASE + "log/", BASE + "sms/"):
        assert client.get(path).status_code == read, path
    assert client.post(EDIT, VALID).status_code == write
    assert client.get(EDIT + "reset/").status_code == (200 if write == 302 else 403)
    with tenant_context(alpha.tenant):
        assert EmailTemplate.objects.exists() is (write == 302)


def test_finance_sees_the_template_read_only(role_client):
    html = role_client("finance").get(EDIT).content.decode()
    assert "disabled" in html and "Send me a test" not in html
    assert re.search(r'<input type="text" name="subject" value="[^"]+"[^>]*\bdisabled\b', html)
    assert "owners and admins can change it" in html
    assert _dashboard_post_forms(html) == []
    owner_page = role_client("owner").get(EDIT).content.decode()
    assert [tag.split(" data-preview-url")[0] for tag in _dashboard_post_forms(owner_page)] == [
        '<form method="post" novalidate id="template-form"',
        f'<form method="post" action="{EDIT}test/">',
    ]


def test_finance_reads_the_sms_settings_without_a_form_to_submit(alpha, role_client):
    data = {"enabled": "on", "account_sid": "AC1", "auth_token": "tok", "from_number": "+15005550006"}
    owner = role_client("owner")
    assert owner.post(BASE + "sms/", data).status_code == 302
    assert _dashboard_post_forms(owner.get(BASE + "sms/").content.decode()) == [
        '<form method="post" novalidate>'
    ]
    html = role_client("finance").get(BASE + "sms/").content.decode()
    assert re.search(r'name="from_number" value="\+15005550006"[^>]*\bdisabled\b', html)
    assert "owners and admins can change them" in html
    assert _dashboard_post_forms(html) == []


def test_signed_out_visitors_go_to_sign_in(alpha):
    from tests.fixtures import store_client

    response = store_client(alpha).get(BASE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_saving_a_template_with_a_syntax_error_shows_the_line(alpha, role_client):
    client = role_client("owner")
    response = client.post(EDIT, {**VALID, "body_html": "<p>ok</p>\n<p>{% for x in %}</p>"})
    assert response.status_code == 200
    assert "Line 2" in response.content.decode()
    with tenant_context(alpha.tenant):
        assert not EmailTemplate.objects.exists()


def test_preview_test_send_and_reset(alpha, role_client, mailoutbox):
    client = role_client("owner")
    # the live preview renders the posted sources on sample data
    preview = client.post(EDIT + "preview/", VALID).json()
    assert preview["errors"] == {}
    assert preview["subject"] == "Order #1001 is in"
    assert "Thanks from Store Alpha" in preview["html"]
    broken = client.post(EDIT + "preview/", {**VALID, "subject": "{{ nope }}"}).json()
    assert "subject" in broken["errors"]
    # save, then send a test to the merchant
    assert client.post(EDIT, VALID).status_code == 302
    assert client.post(EDIT + "test/").status_code == 302
    [mail] = mailoutbox
    assert mail.subject == "Order #1001 is in" and mail.to[0].startswith("owner-")
    # back to the default
    page = client.get(EDIT + "reset/")
    assert "cannot be undone" in page.content.decode()
    assert client.post(EDIT + "reset/").status_code == 302
    with tenant_context(alpha.tenant):
        assert not EmailTemplate.objects.exists()


def test_unknown_template_or_language_is_404(role_client):
    client = role_client("owner")
    assert client.get(BASE + "templates/nope/en/").status_code == 404
    assert client.get(BASE + "templates/welcome/fr/").status_code == 404


def test_beta_cannot_see_alphas_templates_or_log(alpha, beta, role_client):
    with tenant_context(alpha.tenant):
        EmailTemplate.objects.create(
            name="welcome", language="en", subject="ALPHA-ONLY subject", body_html="x", body_text="x"
        )
        _delivery(to="alpha-customer@example.com", key="alpha-1")
    client = role_client("owner", beta)
    edit = client.get(BASE + "templates/welcome/en/").content.decode()
    assert "ALPHA-ONLY" not in edit
    log = client.get(BASE + "log/").content.decode()
    assert "alpha-customer@example.com" not in log
    with tenant_context(alpha.tenant):
        delivery = Delivery.objects.get()
    assert client.post(f"{BASE}log/{delivery.pk}/resend/").status_code == 404


def test_the_log_filters_paginates_shows_errors_and_keeps_its_queries(
    alpha, role_client, django_assert_max_num_queries
):
    with tenant_context(alpha.tenant):
        for i in range(30):
            _delivery(to=f"c{i}@example.com", key=f"k{i}", status=Delivery.Status.SENT)
        _delivery(
            to="bounced@example.com",
            key="bad",
            status=Delivery.Status.FAILED,
            error="SMTPRecipientsRefused: 550",
        )
    client = role_client("finance")
    client.get(BASE + "log/")  # warm the session and caches
    with django_assert_max_num_queries(6):  # session, user, count, page, store settings
        response = client.get(BASE + "log/")
    with django_assert_max_num_queries(5):
        client.get(BASE)
    html = response.content.decode()
    assert "Page 1 of 2" in html
    failed = client.get(BASE + "log/", {"status": "failed"}).content.decode()
    assert "bounced@example.com" in failed and "SMTPRecipientsRefused: 550" in failed
    assert "c1@example.com" not in failed
    assert "Send again" not in failed  # finance reads, does not resend
    by_address = client.get(BASE + "log/", {"q": "c29@"}).content.decode()
    assert "c29@example.com" in by_address and "c28@example.com" not in by_address


def test_resend_queues_a_new_delivery(alpha, role_client, mailoutbox, django_capture_on_commit_callbacks):
    with tenant_context(alpha.tenant):
        failed = _delivery(
            to="again@example.com",
            key="failed-1",
            status=Delivery.Status.FAILED,
            context={"account_url": "x"},
        )
    client = role_client("owner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}log/{failed.pk}/resend/")
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["again@example.com"]]
    with tenant_context(alpha.tenant):
        assert Delivery.objects.filter(to="again@example.com").count() == 2


def test_a_password_reset_is_never_resent(alpha, role_client):
    with tenant_context(alpha.tenant):
        reset = _delivery(template="password_reset", key="reset-1", status=Delivery.Status.SENT)
    response = role_client("owner").post(f"{BASE}log/{reset.pk}/resend/", follow=True)
    assert "cannot be sent again" in response.content.decode()


def test_sms_settings_keep_the_token_and_check_the_number(alpha, role_client):
    client = role_client("owner")
    data = {"enabled": "on", "account_sid": "AC1", "auth_token": "tok", "from_number": "+15005550006"}
    assert client.post(BASE + "sms/", data).status_code == 302
    assert client.post(BASE + "sms/", {**data, "auth_token": ""}).status_code == 302
    with tenant_context(alpha.tenant):
        assert SmsSettings.objects.get().auth_token == "tok"
    page = client.get(BASE + "sms/").content.decode()
    assert "tok" not in page.replace("token", "")
    bad = client.post(BASE + "sms/", {**data, "from_number": "12"})
    assert bad.status_code == 200 and "international form" in bad.content.decode()


def test_the_order_page_shows_the_emails_sent_about_it(
    alpha, role_client, django_capture_on_commit_callbacks
):
    from apps.orders.tests.factories import order_placed

    with tenant_context(alpha.tenant), django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="panel@example.com")
    html = role_client("owner").get(f"/dashboard/orders/{order.number}/").content.decode()
    assert 'id="order-emails"' in html and "Order confirmation" in html
    staff_html = role_client("staff").get(f"/dashboard/orders/{order.number}/").content.decode()
    assert 'id="order-emails"' not in staff_html
