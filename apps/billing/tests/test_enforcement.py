"""Where plan limits are enforced: opening a store in the console, creating a product (product
editor, product service, CSV importer) and inviting or accepting a staff seat. Each refusal reads
the limit's name, the plan and how to upgrade. A shopper's order is never checked."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from apps.billing.limits import PlanLimitReached
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.catalog.bulk import COLUMNS, product_import_run
from apps.catalog.models import ImportRun, Product
from apps.catalog.tests.dashboard.helpers import product_post, role_client
from apps.catalog.tests.factories import make_product
from apps.platform.models import Membership, TeamInvitation
from apps.platform.team import team_invitation_accept, team_member_invite
from apps.platform.tests.factories import make_platform_user
from apps.tenants.models import Tenant
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):  # type: ignore[no-untyped-def]
    from django.core.files.storage import storages

    storage = storages["default"]
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    storage.__dict__.pop("relative_media_root", None)
    yield
    storage.__dict__.pop("relative_media_root", None)


# ------------------------------------------------------------------------------ stores
def test_the_console_refuses_a_store_beyond_the_plan_with_a_form_error(alpha, platform_client):
    merchant_on_plan(alpha.merchant, make_plan(name="Starter", max_stores=1))
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    response = platform_client.post(
        "/console/stores/new/",
        {"merchant": alpha.merchant.pk, "store_name": "Second", "subdomain": "alpha-over"},
    )
    assert response.status_code == 200
    assert "Your Starter plan allows 1 stores; upgrade in Billing." in response.content.decode()
    assert not Tenant.objects.filter(slug="alpha-over").exists()


def test_the_console_opens_a_store_within_the_plan(alpha, platform_client):
    merchant_on_plan(alpha.merchant, make_plan(max_stores=2))
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    response = platform_client.post(
        "/console/stores/new/",
        {"merchant": alpha.merchant.pk, "store_name": "Second", "subdomain": "alpha-within"},
    )
    assert response.status_code == 302
    assert Tenant.objects.filter(slug="alpha-within", merchant=alpha.merchant).exists()


# ------------------------------------------------------------------------------ products
def test_the_product_service_refuses_a_product_beyond_the_plan(alpha):
    merchant_on_plan(alpha.merchant, make_plan(name="Tiny", max_products_per_store=1))
    with schema_context(alpha.tenant.schema_name):
        make_product("First")
        with pytest.raises(PlanLimitReached) as caught:
            make_product("Second")
        assert caught.value.params["limit"] == "max_products_per_store"
        assert Product.objects.count() == 1


def test_the_limit_is_per_store_and_another_merchant_is_not_affected(alpha, beta):
    merchant_on_plan(alpha.merchant, make_plan(max_products_per_store=0))
    with schema_context(beta.tenant.schema_name):
        make_product("Beta's product")  # beta's merchant is on its own (trial) plan
    with schema_context(alpha.tenant.schema_name), pytest.raises(PlanLimitReached):
        make_product("Alpha's product")


def test_the_product_editor_shows_the_limit_as_a_form_error(alpha):
    merchant_on_plan(alpha.merchant, make_plan(name="Tiny", max_products_per_store=0))
    client = role_client(alpha, "admin")
    response = client.post("/dashboard/catalog/products/new/", product_post())
    assert response.status_code == 200
    assert "Your Tiny plan allows 0 products per store; upgrade in Billing." in response.content.decode()
    with schema_context(alpha.tenant.schema_name):
        assert not Product.objects.exists()


def _csv(handles: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for handle in handles:
        row = {"handle": handle, "title": handle.title(), "sku": f"SKU-{handle}", "price": "5"}
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return out.getvalue().encode()


def _run(world, data: bytes, policy: str) -> ImportRun:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        run = ImportRun(kind=ImportRun.Kind.PRODUCT_CSV, policy=policy)
        run.file.save("plan.csv", ContentFile(data), save=False)
        run.save()
        return product_import_run(run=run)


def _row_errors(world, run: ImportRun) -> list[tuple[int, str, str, str]]:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return [(e.row, e.column, e.code, e.message) for e in run.row_errors.order_by("row")]


def test_an_all_or_nothing_import_past_the_plan_imports_nothing_and_names_the_rows(alpha):
    merchant_on_plan(alpha.merchant, make_plan(name="Tiny", max_products_per_store=2))
    with schema_context(alpha.tenant.schema_name):
        make_product("Existing", sku_prefix="EX")
    run = _run(alpha, _csv(["one", "two", "three"]), ImportRun.Policy.ALL_OR_NOTHING)
    assert run.status == ImportRun.Status.FAILED
    assert run.failure_code == "plan_limit_reached"
    message = "Your Tiny plan allows 2 products per store; upgrade in Billing."
    # one product had room; rows 3 and 4 (spreadsheet rows) are over the plan
    assert _row_errors(alpha, run) == [
        (3, "handle", "plan_limit_reached", message),
        (4, "handle", "plan_limit_reached", message),
    ]
    with schema_context(alpha.tenant.schema_name):
        assert Product.objects.count() == 1


def test_a_valid_rows_import_fills_the_plan_and_reports_the_rest(alpha):
    merchant_on_plan(alpha.merchant, make_plan(name="Tiny", max_products_per_store=2))
    run = _run(alpha, _csv(["one", "two", "three"]), ImportRun.Policy.VALID_ROWS)
    assert run.status == ImportRun.Status.PARTIAL
    assert run.created_count == 2
    assert [(row, code) for row, _c, code, _m in _row_errors(alpha, run)] == [(4, "plan_limit_reached")]
    with schema_context(alpha.tenant.schema_name):
        assert sorted(Product.objects.values_list("handle", flat=True)) == ["one", "two"]


def test_an_import_updating_existing_products_needs_no_room(alpha):
    with schema_context(alpha.tenant.schema_name):
        make_product("One", sku_prefix="SKU-one", handle="one")
    merchant_on_plan(alpha.merchant, make_plan(max_products_per_store=1))
    run = _run(alpha, _csv(["one"]), ImportRun.Policy.ALL_OR_NOTHING)
    assert run.status == ImportRun.Status.SUCCEEDED, _row_errors(alpha, run)
    assert run.updated_count == 1


# ------------------------------------------------------------------------------ staff seats
def test_an_invitation_beyond_the_seats_is_refused_on_the_invite_form(alpha, platform_client):
    merchant_on_plan(alpha.merchant, make_plan(name="Solo", max_staff_seats=1))
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    response = platform_client.post(
        f"/console/merchants/{alpha.merchant.uuid}/team/invite/",
        {"email": "extra@example.com", "role": "staff"},
    )
    assert response.status_code == 400
    assert "Your Solo plan allows 1 staff seats; upgrade in Billing." in response.content.decode()
    assert not TeamInvitation.objects.filter(merchant=alpha.merchant).exists()


def test_an_invitation_holds_its_seat_and_accepting_it_needs_no_other(alpha):
    merchant_on_plan(alpha.merchant, make_plan(max_staff_seats=2))
    invitation = team_member_invite(
        merchant=alpha.merchant, actor=alpha.owner, email="second@example.com", role="staff", ip_address=None
    )
    # the open invitation holds the second seat
    with pytest.raises(PlanLimitReached):
        team_member_invite(
            merchant=alpha.merchant,
            actor=alpha.owner,
            email="third@example.com",
            role="staff",
            ip_address=None,
        )
    token = "known-token"
    from apps.platform.team.rules import token_hash

    TeamInvitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash(token))
    user = make_platform_user("second@example.com")
    membership = team_invitation_accept(token=token, user=user, ip_address=None)
    assert membership.merchant == alpha.merchant


def test_accepting_is_refused_when_the_plan_shrank_below_the_team(alpha):
    merchant_on_plan(alpha.merchant, make_plan(max_staff_seats=2))
    invitation = team_member_invite(
        merchant=alpha.merchant, actor=alpha.owner, email="late@example.com", role="staff", ip_address=None
    )
    merchant_on_plan(alpha.merchant, make_plan(name="Solo", max_staff_seats=1))
    from apps.platform.team.rules import token_hash

    TeamInvitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash("late-token"))
    user = make_platform_user("late@example.com")
    with pytest.raises(PlanLimitReached):
        team_invitation_accept(token="late-token", user=user, ip_address=None)
    assert not Membership.objects.filter(merchant=alpha.merchant, user=user).exists()
