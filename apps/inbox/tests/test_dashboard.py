"""The notification centre's pages: the bell in every dashboard page's header, the list, opening
one, "mark all read", the count the bell polls; per role, per store, and at a fixed cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.core.permissions import Perm
from apps.inbox.dashboard.views import NOTIFICATIONS_PER_PAGE, bell_context
from apps.inbox.models import InboxReadMark, NotificationKind
from apps.inbox.selectors import notification_unread_count
from apps.inbox.tests.factories import notification_make
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db

LIST = "/dashboard/inbox/"


def _in(world, make, *args, **kwargs):
    with schema_context(world.tenant.schema_name):
        return make(*args, **kwargs)


def test_the_list_shows_the_readers_notifications_unread_ones_marked(alpha, member):
    # given a new order and a fraud review
    order = _in(alpha, notification_make, params={"number": 1042, "total": "12.00", "currency": "EUR"})
    _in(
        alpha,
        notification_make,
        kind=NotificationKind.FRAUD_REVIEW,
        permission=Perm.FRAUD_REVIEW,
        params={"number": 7, "score": 80},
    )
    # when a staff member opens the notification centre
    _user, client = member("staff")
    response = client.get(LIST)
    # then they see the order (unread), not the fraud review their role cannot open
    assert response.status_code == 200
    html = response.content.decode()
    assert "New order #1042" in html and "12.00 EUR paid." in html
    assert "held for fraud review" not in html
    assert 'class="inbox-item is-unread"' in html
    assert f"/dashboard/inbox/open/?id={order.pk}" in html
    assert "Mark all read" in html and "1 unread notification." in html


def test_an_empty_centre_says_what_will_appear(alpha, member):
    _user, client = member("finance")
    html = client.get(LIST).content.decode()
    assert 'id="inbox-empty"' in html and "No notifications yet." in html
    assert "Mark all read" not in html


def test_opening_one_reads_it_and_goes_to_its_page(alpha, member):
    notification = _in(alpha, notification_make, params={"number": 1042, "total": "1.00", "currency": "EUR"})
    ann, ann_client = member("staff")
    bob, _bob_client = member("staff")
    response = ann_client.get(f"/dashboard/inbox/open/?id={notification.pk}")
    assert response.status_code == 302 and response["Location"] == "/dashboard/orders/1042/"
    with schema_context(alpha.tenant.schema_name):
        assert notification_unread_count(user=ann) == 0
        assert notification_unread_count(user=bob) == 1  # read state is per team member
    assert 'class="inbox-item is-unread"' not in ann_client.get(LIST).content.decode()


def test_opening_one_without_a_page_goes_back_to_the_list(alpha, member):
    notification = _in(
        alpha, notification_make, kind=NotificationKind.LOW_STOCK, permission=Perm.INVENTORY_VIEW, params={}
    )
    _user, client = member("staff")
    response = client.get(f"/dashboard/inbox/open/?id={notification.pk}")
    assert response.status_code == 302 and response["Location"] == LIST


@pytest.mark.parametrize("query", ["", "?id=", "?id=abc", "?id=999999999"])
def test_opening_nothing_or_a_missing_one_is_404(alpha, member, query):
    _user, client = member("owner")
    assert client.get(f"/dashboard/inbox/open/{query}").status_code == 404


def test_opening_one_the_role_may_not_open_is_404(alpha, member):
    webhook = _in(
        alpha,
        notification_make,
        kind=NotificationKind.WEBHOOK_FAILED,
        permission=Perm.WEBHOOKS_VIEW,
        params={},
    )
    _user, client = member("staff")
    assert client.get(f"/dashboard/inbox/open/?id={webhook.pk}").status_code == 404


def test_mark_all_read_is_a_post_with_csrf(alpha, member):
    for _ in range(3):
        _in(alpha, notification_make)
    user, client = member("staff")
    # a GET changes nothing
    assert client.get("/dashboard/inbox/read-all/").status_code == 405
    # a POST without the CSRF token is refused
    strict = store_client(alpha)
    strict.handler.enforce_csrf_checks = True
    with schema_context(alpha.tenant.schema_name):
        strict.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert strict.post("/dashboard/inbox/read-all/").status_code == 403
    with schema_context(alpha.tenant.schema_name):
        assert notification_unread_count(user=user) == 3
    # the form's POST marks everything read
    response = client.post("/dashboard/inbox/read-all/")
    assert response.status_code == 302 and response["Location"] == LIST
    with schema_context(alpha.tenant.schema_name):
        assert notification_unread_count(user=user) == 0
        assert InboxReadMark.objects.filter(user=user).count() == 1
    assert "You are up to date." in client.get(LIST).content.decode()


def test_the_bell_is_in_every_dashboard_pages_header_with_the_unread_count(alpha, member):
    for _ in range(2):
        _in(alpha, notification_make)
    _user, client = member("staff")
    html = client.get("/dashboard/").content.decode()
    assert 'id="inbox-bell"' in html and 'href="/dashboard/inbox/"' in html
    assert '<span class="inbox-badge" id="inbox-badge">2</span>' in html
    assert "Notifications: 2 unread" in html


def test_the_bell_says_99_plus_past_the_cap(alpha, member):
    for _ in range(100):
        _in(alpha, notification_make)
    _user, client = member("staff")
    assert client.get("/dashboard/inbox/unread.json").json() == {"unread": 100, "label": "99+"}
    assert '<span class="inbox-badge" id="inbox-badge">99+</span>' in client.get(LIST).content.decode()


def test_the_count_the_bell_polls(alpha, member):
    _in(alpha, notification_make)
    _in(alpha, notification_make, kind=NotificationKind.FRAUD_REVIEW, permission=Perm.FRAUD_REVIEW, params={})
    _user, staff = member("staff")
    _user, finance = member("finance")
    assert staff.get("/dashboard/inbox/unread.json").json() == {"unread": 1, "label": "1"}
    assert finance.get("/dashboard/inbox/unread.json").json() == {"unread": 2, "label": "2"}
    assert store_client(alpha).get("/dashboard/inbox/unread.json").status_code == 302  # signed out


# ------------------------------------------------------------------------------
# tenant isolation
# ------------------------------------------------------------------------------
def test_beta_never_sees_alphas_notifications(alpha, beta, member):
    # given alpha has a notification
    notification = _in(alpha, notification_make, params={"number": 1042, "total": "1.00", "currency": "EUR"})
    # when beta's owner looks at their notification centre
    _user, beta_client = member("owner", world=beta)
    # then nothing of alpha's is there, the count is 0, and alpha's id is unknown on beta
    assert "New order #1042" not in beta_client.get(LIST).content.decode()
    assert beta_client.get("/dashboard/inbox/unread.json").json()["unread"] == 0
    assert beta_client.get(f"/dashboard/inbox/open/?id={notification.pk}").status_code == 404
    # and marking all read on beta leaves alpha's unread for alpha's staff
    beta_client.post("/dashboard/inbox/read-all/")
    alpha_user, _client = member("owner")
    with schema_context(alpha.tenant.schema_name):
        assert notification_unread_count(user=alpha_user) == 1


def test_a_beta_session_does_not_open_alphas_centre(alpha, beta, member):
    _in(alpha, notification_make)
    _user, beta_client = member("owner", world=beta)
    beta_client.defaults["HTTP_HOST"] = alpha.host  # beta's session cookie, alpha's domain
    response = beta_client.get(LIST)
    assert response.status_code in (302, 403)


# ------------------------------------------------------------------------------
# query counts
# ------------------------------------------------------------------------------
def test_the_bell_costs_one_query(alpha):
    with schema_context(alpha.tenant.schema_name):
        user = make_store_user(alpha, "bell@example.com", role="owner")
        notification_make()
        request = RequestFactory().get("/dashboard/")
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            context = bell_context(request, None)
        assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
        assert context is not None and context["inbox_unread"] == 1
        # asked again in the same request (the list page shows it too): no further query
        with CaptureQueriesContext(connection) as again:
            bell_context(request, None)
        assert len(again) == 0


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_query_counts_do_not_grow_with_the_notifications(alpha, member):
    _user, client = member("staff")
    for _ in range(2):
        _in(alpha, notification_make)
    for url in (LIST, "/dashboard/inbox/unread.json", "/dashboard/"):
        client.get(url)  # warm the per-process caches (store settings, routing)
    list_few, json_few, home_few = (
        _page_queries(client, LIST),
        _page_queries(client, "/dashboard/inbox/unread.json"),
        _page_queries(client, "/dashboard/"),
    )
    # when there are many more (several pages' worth, some read)
    for _ in range(NOTIFICATIONS_PER_PAGE * 2):
        _in(alpha, notification_make)
    _in(alpha, notification_make, kind=NotificationKind.FRAUD_REVIEW, permission=Perm.FRAUD_REVIEW, params={})
    # then each page asks the same number of queries
    assert _page_queries(client, LIST) == list_few
    assert _page_queries(client, f"{LIST}?page=2") == list_few
    assert _page_queries(client, "/dashboard/inbox/unread.json") == json_few
    assert _page_queries(client, "/dashboard/") == home_few
    print(f"\nqueries: list {list_few}, unread.json {json_few}, home {home_few}")
    assert list_few <= 12 and json_few <= 6
