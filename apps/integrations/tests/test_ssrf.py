"""The SSRF corpus: every address a webhook must never reach is refused when the URL is saved and
again when a delivery is sent; redirects are never followed; https is required unless the
settings allow http (the test settings do, for the loopback receiver)."""

from __future__ import annotations

import pytest

from apps.integrations.enums import DeliveryStatus, IntegrationErrorCode
from apps.integrations.errors import IntegrationError
from apps.integrations.models import WebhookEndpoint
from apps.integrations.security import endpoint_url_check
from apps.integrations.services import endpoint_create, endpoint_update
from apps.integrations.tests.factories import attempted, make_delivery, make_endpoint

pytestmark = pytest.mark.django_db

# Host part -> what it is. Each is tried as https:// and as http://.
CORPUS = {
    "127.0.0.1": "loopback",
    "127.0.0.2:8443": "loopback, another address and a port",
    "localhost": "loopback by name",
    "api.localhost": "a .localhost name",
    "[::1]": "IPv6 loopback",
    "0.0.0.0": "unspecified",  # noqa: S104
    "[::]": "IPv6 unspecified",
    "10.0.0.5": "private 10/8",
    "172.16.0.1": "private 172.16/12",
    "192.168.1.1": "private 192.168/16",
    "169.254.169.254": "cloud metadata (link-local)",
    "169.254.170.2": "container credentials (link-local)",
    "100.100.100.200": "Alibaba metadata (CGNAT 100.64/10)",
    "100.64.0.1": "CGNAT",
    "[fe80::1]": "IPv6 link-local",
    "[fd00:ec2::254]": "IPv6 unique-local (AWS metadata over IPv6)",
    "[::ffff:127.0.0.1]": "IPv4-mapped IPv6 loopback",
    "[::ffff:169.254.169.254]": "IPv4-mapped IPv6 metadata",
    "[::ffff:7f00:1]": "IPv4-mapped loopback, hex spelling",
    "[2002:7f00:1::]": "6to4 of loopback",
    "2130706433": "decimal 127.0.0.1",
    "0x7f000001": "hex 127.0.0.1",
    "0x7f.0.0.1": "hex first octet",
    "0177.0.0.1": "octal 127.0.0.1",
    "017700000001": "octal 127.0.0.1 as one number",
    "127.1": "short form of 127.0.0.1",
    "2852039166": "decimal 169.254.169.254",
    "0xa9fea9fe": "hex 169.254.169.254",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "internal.example.com": "a name resolving to 10.0.0.7",
    "metadata.example.com": "a name resolving to 169.254.169.254",
    "cgnat.example.com": "a name resolving to 100.100.100.200",
    "mixed.example.com": "a name resolving to a public and a private address",
    "mapped.example.com": "a name resolving to ::ffff:127.0.0.1",
    "loopback6.example.com": "a name resolving to ::1",
}


@pytest.fixture
def no_private_hosts(settings):
    """Production's rule: no private host is allowed (the test settings allow loopback)."""
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    return settings


@pytest.mark.parametrize("scheme", ["https", "http"])
@pytest.mark.parametrize("host", list(CORPUS), ids=list(CORPUS.values()))
def test_the_corpus_is_refused_when_saved(in_alpha, no_private_hosts, scheme, host):
    url = f"{scheme}://{host}/webhooks"
    with pytest.raises(IntegrationError) as refused:
        endpoint_create(url=url)
    assert refused.value.code == IntegrationErrorCode.URL_NOT_PUBLIC, (url, refused.value.message)
    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("host", list(CORPUS), ids=list(CORPUS.values()))
def test_the_corpus_is_refused_when_an_endpoint_is_changed_to_it(in_alpha, no_private_hosts, host):
    endpoint = make_endpoint()
    with pytest.raises(IntegrationError):
        endpoint_update(endpoint=endpoint, url=f"https://{host}/hook")
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/webhooks"


@pytest.mark.parametrize("host", list(CORPUS), ids=list(CORPUS.values()))
def test_the_corpus_is_refused_at_send_time(in_alpha, no_private_hosts, receiver, host):
    """A URL that got into the table some other way (an old row, a changed rule) is checked
    again before every send, and nothing is sent."""
    endpoint = make_endpoint()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://{host}/hook")
    delivery = make_delivery(endpoint)
    result = attempted(delivery_id=delivery.pk)
    assert result.status == DeliveryStatus.RETRYING
    attempt = result.attempt_log.get()
    assert attempt.error_code in {"url_not_public", "address_not_allowed"}, attempt.error
    assert attempt.status_code is None


def test_a_name_that_turns_private_after_saving_is_refused_at_send_time(
    in_alpha, no_private_hosts, dns, receiver
):
    # given an endpoint saved while its name pointed at a public address
    port = receiver.base_url.rsplit(":", 1)[1]
    dns["rebind.example.com"] = ["93.184.216.34"]
    endpoint = make_endpoint(f"https://rebind.example.com:{port}/hook")
    # when DNS now answers with loopback (DNS rebinding), where the receiver listens
    dns["rebind.example.com"] = ["127.0.0.1"]
    delivery = attempted(delivery_id=make_delivery(endpoint).pk)
    # then the send is refused and the receiver never contacted
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempt_log.get().error_code == "address_not_allowed"
    assert receiver.requests == []


@pytest.mark.parametrize(
    "location",
    [
        "/internal",
        "http://127.0.0.1:{port}/internal",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
    ],
)
def test_a_redirect_is_never_followed(in_alpha, receiver, location):
    port = receiver.base_url.rsplit(":", 1)[1]
    url = receiver.script("/hook", (302, {"Location": location.format(port=port)}))
    delivery = attempted(delivery_id=make_delivery(make_endpoint(url)).pk)
    assert delivery.status == DeliveryStatus.RETRYING
    attempt = delivery.attempt_log.get()
    assert attempt.error_code == "redirect" and attempt.outcome == "failed"
    assert [r.path for r in receiver.requests] == ["/hook"]  # /internal never asked


def test_https_is_required_unless_the_settings_allow_http(in_alpha, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(IntegrationError) as refused:
        endpoint_create(url="http://hooks.example.com/webhooks")
    assert refused.value.code == IntegrationErrorCode.URL_NOT_HTTPS
    assert endpoint_create(url="https://hooks.example.com/webhooks").pk


def test_http_to_a_stored_endpoint_is_refused_at_send_time_in_production(in_alpha, settings, receiver):
    endpoint = make_endpoint(receiver.url("/hook"))
    settings.WEBHOOKS_ALLOW_HTTP = False
    delivery = attempted(delivery_id=make_delivery(endpoint).pk)
    assert delivery.attempt_log.get().error_code == IntegrationErrorCode.URL_NOT_HTTPS
    assert receiver.requests == []


def test_the_loopback_receiver_is_allowed_only_by_the_test_setting(in_alpha, settings, receiver):
    assert endpoint_url_check(receiver.url("/hook")) == receiver.url("/hook")
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    with pytest.raises(IntegrationError):
        endpoint_url_check(receiver.url("/hook"))


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", IntegrationErrorCode.URL_INVALID),
        ("   ", IntegrationErrorCode.URL_INVALID),
        ("hooks.example.com/webhooks", IntegrationErrorCode.URL_INVALID),
        ("ftp://hooks.example.com/", IntegrationErrorCode.URL_INVALID),
        ("file:///etc/passwd", IntegrationErrorCode.URL_INVALID),
        ("javascript:alert(1)", IntegrationErrorCode.URL_INVALID),
        ("gopher://hooks.example.com/", IntegrationErrorCode.URL_INVALID),
        ("https://[::1/", IntegrationErrorCode.URL_INVALID),
        ("https://hooks.example.com:99999/", IntegrationErrorCode.URL_INVALID),
        ("https://" + "a" * 2000 + ".com/", IntegrationErrorCode.URL_INVALID),
        ("https://no-such-host.example.com/", IntegrationErrorCode.URL_UNRESOLVABLE),
    ],
)
def test_bad_urls_are_refused_with_a_clear_code(in_alpha, url, code):
    with pytest.raises(IntegrationError) as refused:
        endpoint_create(url=url)
    assert refused.value.code == code
    assert refused.value.message


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/webhooks",
        "https://hooks.example.com:8443/in?token=abc",
        "https://93.184.216.34/hook",
        "https://other.example.com/",
    ],
)
def test_public_urls_are_accepted(in_alpha, no_private_hosts, url):
    assert endpoint_create(url=url).url == url


def test_corpus_size():
    """How many hosts the corpus holds (printed for the closing note)."""
    print(
        f"\nSSRF corpus: {len(CORPUS)} hosts x 2 schemes refused at save, {len(CORPUS)} at update, {len(CORPUS)} at send"
    )
    assert len(CORPUS) >= 30
