"""The exchange-rate feed: the ECB daily XML parsed safely, cross rates for stores that do not
sell in euros, rates set by hand kept, the feed's address checked, and the periodic per-store
job that refreshes the stores that asked for it, records a failing source in `StoreJobRun` and
leaves the rates as they were. Every fetch goes to a local fake server serving a recorded file."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from apps.core.jobs import store_job_get
from apps.stores.currency import presentment_get
from apps.stores.errors import ExchangeRateError, ExchangeRateErrorCode
from apps.stores.exchange_rates import (
    ecb_rates_parse,
    exchange_rate_feed_update,
    exchange_rate_set,
    exchange_rates_refresh,
)
from apps.stores.models import ExchangeRate, ExchangeRateFeed, ExchangeRateSource
from apps.stores.tests.conftest import BILLION_LAUGHS, ECB_DAILY
from apps.stores.tests.factories import settings_change
from apps.tenants.models import StoreJobRun
from apps.tenants.tasks import store_job_fan_out

pytestmark = pytest.mark.django_db

JOB = "stores.exchange_rates_refresh"


def _rates() -> dict[str, tuple[Decimal, str]]:
    return {row.currency: (row.rate, row.source) for row in ExchangeRate.objects.all()}


# ------------------------------------------------------------------------------
# parsing
# ------------------------------------------------------------------------------
def test_the_recorded_ecb_file_parses_to_its_date_and_rates():
    day, rates = ecb_rates_parse(ECB_DAILY)
    assert day == datetime.date(2025, 1, 17)
    assert len(rates) == 30
    assert rates["USD"] == Decimal("1.0300") and rates["JPY"] == Decimal("161.26")
    assert rates["IDR"] == Decimal("16880.07")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (BILLION_LAUGHS, "DTD or entities"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "DTD or entities",
        ),
        (b"<html><body>Maintenance</body>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (
            b'<Envelope xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube/></Envelope>',
            "no rates",
        ),
        (
            b'<Envelope xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube time="2025-01-17">'
            b'<Cube currency="USD" rate="-1"/></Cube></Envelope>',
            "bad rate",
        ),
        (
            b'<Envelope xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube time="yesterday">'
            b'<Cube currency="USD" rate="1.1"/></Cube></Envelope>',
            "bad date",
        ),
        # the right shape in another namespace is not the ECB format
        (
            b'<Envelope><Cube time="2025-01-17"><Cube currency="USD" rate="1.1"/></Cube></Envelope>',
            "no rates",
        ),
    ],
)
def test_anything_but_the_ecb_format_is_refused(content, reason):
    with pytest.raises(ExchangeRateError) as caught:
        ecb_rates_parse(content)
    assert caught.value.code == ExchangeRateErrorCode.FEED_INVALID
    assert caught.value.params["reason"] == reason


# ------------------------------------------------------------------------------
# refreshing
# ------------------------------------------------------------------------------
def test_a_euro_store_takes_the_feeds_rates(in_alpha, feed_server):
    settings_change(currency="EUR")
    exchange_rate_feed_update(enabled=True, url=feed_server.url("/eurofxref-daily.xml"), currencies=[])
    summary = exchange_rates_refresh()
    assert len(summary["updated"]) == 30 and summary["as_of"] == "2025-01-17"
    usd = ExchangeRate.objects.get(currency="USD")
    assert (usd.rate, usd.source, usd.base_currency, usd.as_of) == (
        Decimal("1.03"),
        ExchangeRateSource.FEED,
        "EUR",
        datetime.date(2025, 1, 17),
    )
    assert presentment_get(currency="JPY").convert(Decimal("10")) == Decimal("1613")
    feed = ExchangeRateFeed.objects.get()
    assert feed.last_success_at is not None and feed.last_error_code == ""


def test_a_store_in_another_currency_gets_cross_rates(in_alpha, feed_server):
    # a USD store: 1 USD = 1/1.03 EUR, and 161.26/1.03 JPY
    settings_change(currency="USD")
    exchange_rate_feed_update(
        enabled=True, url=feed_server.url("/eurofxref-daily.xml"), currencies=["EUR", "JPY", "USD", "GBP"]
    )
    summary = exchange_rates_refresh()
    assert summary["updated"] == ["EUR", "GBP", "JPY"]  # never the store's own currency
    rates = _rates()
    assert rates["EUR"][0] == (Decimal(1) / Decimal("1.03")).quantize(Decimal("1e-12"))
    assert rates["JPY"][0] == (Decimal("161.26") / Decimal("1.03")).quantize(Decimal("1e-12"))
    assert "USD" not in rates
    assert presentment_get(currency="EUR").convert(Decimal("103")) == Decimal("100.00")


def test_a_store_whose_currency_is_not_in_the_feed_is_told_so_and_nothing_changes(in_alpha, feed_server):
    settings_change(currency="KWD")
    exchange_rate_set(currency="USD", rate="3.25")
    exchange_rate_feed_update(enabled=True, url=feed_server.url("/eurofxref-daily.xml"), currencies=[])
    with pytest.raises(ExchangeRateError) as caught:
        exchange_rates_refresh()
    assert caught.value.code == ExchangeRateErrorCode.FEED_LACKS_STORE_CURRENCY
    assert _rates() == {"USD": (Decimal("3.25"), ExchangeRateSource.MANUAL)}
    assert ExchangeRateFeed.objects.get().last_error_code == "feed_lacks_store_currency"


def test_rates_set_by_hand_are_kept_and_a_narrowed_list_drops_the_others(in_alpha, feed_server):
    settings_change(currency="EUR")
    exchange_rate_set(currency="USD", rate="1.5")
    url = feed_server.url("/eurofxref-daily.xml")
    exchange_rate_feed_update(enabled=True, url=url, currencies=[])
    summary = exchange_rates_refresh()
    assert summary["kept_manual"] == ["USD"] and "USD" not in summary["updated"]
    assert _rates()["USD"] == (Decimal("1.5"), ExchangeRateSource.MANUAL)
    # when the merchant keeps only GBP and JPY (and asks for one the feed lacks)
    exchange_rate_feed_update(enabled=True, url=url, currencies=["gbp", "JPY", "ARS"])
    summary = exchange_rates_refresh()
    assert summary["updated"] == ["GBP", "JPY"] and summary["missing"] == ["ARS"]
    assert sorted(_rates()) == ["GBP", "JPY", "USD"]  # the hand-set USD stays


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/broken", ExchangeRateErrorCode.FEED_UNREACHABLE),
        ("/missing", ExchangeRateErrorCode.FEED_UNREACHABLE),
        ("/html", ExchangeRateErrorCode.FEED_INVALID),
        ("/bomb.xml", ExchangeRateErrorCode.FEED_INVALID),
    ],
)
def test_a_failing_feed_changes_no_rate_and_is_noted(in_alpha, feed_server, path, code):
    # given rates from an earlier refresh
    settings_change(currency="EUR")
    exchange_rate_feed_update(enabled=True, url=feed_server.url("/eurofxref-daily.xml"), currencies=["USD"])
    exchange_rates_refresh()
    before = _rates()
    # when the feed breaks
    exchange_rate_feed_update(enabled=True, url=feed_server.url(path), currencies=["USD"])
    with pytest.raises(ExchangeRateError) as caught:
        exchange_rates_refresh()
    # then the rates are as they were and the failure is kept as data
    assert caught.value.code == code
    assert _rates() == before
    feed = ExchangeRateFeed.objects.get()
    assert feed.last_error_code == code
    assert feed.last_attempt_at is not None and feed.last_success_at is not None
    assert feed.last_attempt_at > feed.last_success_at


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/rates.xml",
        "http://169.254.169.254/latest/",
        "file:///etc/passwd",
        "ftp://x/rates",
        "not a url",
    ],
)
def test_a_feed_address_on_a_private_network_or_another_scheme_is_refused(in_alpha, url):
    with pytest.raises(ExchangeRateError) as caught:
        exchange_rate_feed_update(enabled=True, url=url, currencies=[])
    assert caught.value.code == ExchangeRateErrorCode.INVALID_URL and caught.value.field == "url"
    assert not ExchangeRateFeed.objects.exists()


def test_a_feed_list_with_an_unknown_currency_is_refused(in_alpha):
    with pytest.raises(ExchangeRateError) as caught:
        exchange_rate_feed_update(
            enabled=True, url="https://example.com/rates.xml", currencies=["USD", "EURO"]
        )
    assert caught.value.code == ExchangeRateErrorCode.INVALID_CURRENCY and caught.value.field == "currencies"


# ------------------------------------------------------------------------------
# the periodic per-store job
# ------------------------------------------------------------------------------
def test_the_job_is_registered_to_run_in_every_store():
    job = store_job_get(JOB)
    assert job.every == 6 * 60 * 60 and job.time_limit <= 5 * 60


def test_the_job_refreshes_stores_that_asked_and_records_a_failing_source(alpha, beta, feed_server):
    # given alpha refreshes from the recorded feed, and beta from a broken one, with a rate to keep
    with tenant_context(alpha.tenant):
        settings_change(currency="EUR")
        exchange_rate_feed_update(
            enabled=True, url=feed_server.url("/eurofxref-daily.xml"), currencies=["USD"]
        )
    with tenant_context(beta.tenant):
        settings_change(currency="EUR")
        exchange_rate_set(currency="USD", rate="1.25")
        exchange_rate_feed_update(enabled=True, url=feed_server.url("/broken"), currencies=[])
        ExchangeRate.objects.filter(currency="USD").update(source=ExchangeRateSource.FEED)

    # when beat fans the job out
    outcome = store_job_fan_out.delay(JOB).get()

    # then alpha's rate came from the feed
    assert outcome["failed"] == 0 and outcome["queued"] >= 2
    with tenant_context(alpha.tenant):
        assert _rates() == {"USD": (Decimal("1.03"), ExchangeRateSource.FEED)}
    alpha_run = StoreJobRun.objects.get(tenant=alpha.tenant, job=JOB)
    assert alpha_run.status == StoreJobRun.Status.SUCCEEDED and alpha_run.result == {
        "updated": ["USD"],
        "removed": 0,
        "kept_manual": [],
        "missing": [],
        "as_of": "2025-01-17",
    }
    # and beta's failure is recorded without touching its rate
    beta_run = StoreJobRun.objects.get(tenant=beta.tenant, job=JOB)
    assert beta_run.status == StoreJobRun.Status.FAILED
    assert beta_run.error_code == "ExchangeRateError" and "HTTP 500" in beta_run.error_detail
    with tenant_context(beta.tenant):
        assert _rates() == {"USD": (Decimal("1.25"), ExchangeRateSource.FEED)}
        assert ExchangeRateFeed.objects.get().last_error_code == "feed_unreachable"
    # each store fetched its own feed once
    assert sorted(feed_server.hits) == ["/broken", "/eurofxref-daily.xml"]


def test_the_job_leaves_stores_without_automatic_refresh_alone(alpha, feed_server):
    with tenant_context(alpha.tenant):
        exchange_rate_feed_update(enabled=False, url=feed_server.url("/eurofxref-daily.xml"), currencies=[])
    store_job_fan_out.delay(JOB).get()
    run = StoreJobRun.objects.get(tenant=alpha.tenant, job=JOB)
    assert run.status == StoreJobRun.Status.SUCCEEDED and run.result == {"skipped": "disabled"}
    assert feed_server.hits == []
