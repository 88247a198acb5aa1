"""The SSRF guard: what outbound requests may reach, checked against a local server."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.core import http
from apps.core.http import OutboundHttpError, address_is_public, safe_get, safe_post, url_check


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict[str, str]]]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        length = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(length) if length else b""
        port = int(self.server.server_address[1])  # type: ignore[index]
        path = self.path.split("?", 1)[0]
        redirects = {
            "/to-private": "http://10.0.0.1/secret",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-file": "file:///etc/passwd",
            "/to-ok": "/ok",
            "/to-localhost": f"http://localhost:{port}/ok",
            "/loop": "/loop",
        }
        if path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[path])
            self.end_headers()
            return
        if path == "/big":
            body = b"x" * 5000
        elif path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            body = b'{"ok": true, "echo": "' + body_in + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[str, str, dict[str, str]]]]]:
    seen: list[tuple[str, str, dict[str, str]]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/feed.csv",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://[fd00:ec2::254]/",  # unique-local (cloud metadata over IPv6)
        "http://[fe80::1]/",
        "http://224.0.0.1/",
    ],
)
def test_private_and_special_addresses_are_refused(url):
    with pytest.raises(OutboundHttpError) as error:
        safe_get(url)
    assert error.value.code == "address_not_allowed"


def test_loopback_is_refused_unless_allowed(server, settings):
    base, seen = server
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    with pytest.raises(OutboundHttpError) as error:
        safe_get(f"{base}/ok")
    assert error.value.code == "address_not_allowed"
    assert "127.0.0.1" in error.value.message
    assert seen == []  # the server was never contacted


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/feed.csv", "gopher://example.com/", "/relative"]
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(OutboundHttpError) as error:
        safe_get(url)
    assert error.value.code == "scheme_not_allowed"


def test_a_host_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(http, "_resolve", lambda host, port: ["93.184.216.34", "10.1.2.3"])
    with pytest.raises(OutboundHttpError) as error:
        safe_get("http://feeds.example.com/products.csv")
    assert error.value.code == "address_not_allowed"
    assert "feeds.example.com" in error.value.message


def test_an_unknown_host_is_a_clear_error(monkeypatch):
    def fail(host, port):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(http, "_resolve", fail)
    with pytest.raises(OutboundHttpError) as error:
        safe_get("https://no-such-host.example/feed.json")
    assert error.value.code == "dns_failure"


def test_the_local_server_is_reached_when_allowed(server):
    base, seen = server
    response = safe_get(f"{base}/ok", params={"page": "2"})
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.content_type == "application/json"
    assert seen[0][1] == "/ok?page=2"


def test_post_sends_the_body(server):
    base, _seen = server
    response = safe_post(f"{base}/echo", data=b"hello")
    assert response.json()["echo"] == "hello"


def test_the_connection_goes_to_the_vetted_address_whatever_dns_says_later(server, monkeypatch):
    # given a name that resolved to an allowed address when it was checked
    base, seen = server
    port = base.rsplit(":", 1)[1]
    monkeypatch.setattr(http, "_resolve", lambda host, port: ["127.0.0.1"])
    # and a resolver that would now answer with the cloud metadata address (DNS rebinding)
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "feeds.example.test":
            return real_getaddrinfo("169.254.169.254", *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    # when it is fetched
    response = safe_get(f"http://feeds.example.test:{port}/ok", timeout=3)
    # then the socket went to the vetted address, and the server saw the real host name
    assert response.status_code == 200
    assert seen[0][2]["host"] == f"feeds.example.test:{port}"


def test_redirects_to_private_addresses_are_refused(server):
    base, _seen = server
    for path in ("/to-private", "/to-metadata"):
        with pytest.raises(OutboundHttpError) as error:
            safe_get(f"{base}{path}")
        assert error.value.code == "address_not_allowed"
    with pytest.raises(OutboundHttpError) as error:
        safe_get(f"{base}/to-file")
    assert error.value.code == "scheme_not_allowed"


def test_redirects_are_followed_a_limited_number_of_times(server):
    base, _seen = server
    response = safe_get(f"{base}/to-ok")
    assert response.status_code == 200
    assert response.url == f"{base}/ok"
    assert response.history == (f"{base}/to-ok",)
    with pytest.raises(OutboundHttpError) as error:
        safe_get(f"{base}/loop", max_redirects=2)
    assert error.value.code == "too_many_redirects"


def test_credentials_do_not_follow_a_redirect_to_another_host(server):
    base, seen = server
    safe_get(f"{base}/to-localhost", headers={"Authorization": "Bearer secret"})
    assert seen[0][2]["authorization"] == "Bearer secret"
    assert seen[1][1] == "/ok"
    assert "authorization" not in seen[1][2]


def test_the_response_size_is_capped(server):
    base, _seen = server
    with pytest.raises(OutboundHttpError) as error:
        safe_get(f"{base}/big", max_bytes=1000)
    assert error.value.code == "response_too_large"
    assert len(safe_get(f"{base}/big", max_bytes=6000).content) == 5000


def test_error_statuses_are_returned_and_can_be_raised(server):
    base, _seen = server
    response = safe_get(f"{base}/missing?token=secret")
    assert response.status_code == 404
    with pytest.raises(OutboundHttpError) as error:
        response.raise_for_status()
    assert error.value.code == "http_status"
    assert "secret" not in error.value.message  # query strings may hold tokens


def test_a_closed_port_is_a_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OutboundHttpError) as error:
        safe_get(f"http://127.0.0.1:{port}/", timeout=2)
    assert error.value.code == "connection_failed"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("169.254.169.254", False),
        ("::ffff:10.0.0.1", False),
        ("2002:a00:1::", False),  # 6to4 wrapping 10.0.0.1
        ("240.0.0.1", False),  # reserved
        ("255.255.255.255", False),
    ],
)
def test_address_is_public(address, public):
    assert address_is_public(ipaddress.ip_address(address)) is public


def test_url_check_refuses_what_it_can_see_without_the_network(settings):
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    url_check("https://feeds.example.com/products.csv")
    for url, code in [
        ("http://localhost:8000/feed", "address_not_allowed"),
        ("http://10.0.0.1/feed", "address_not_allowed"),
        ("file:///etc/passwd", "scheme_not_allowed"),
        ("https://", "invalid_url"),
    ]:
        with pytest.raises(OutboundHttpError) as error:
            url_check(url)
        assert error.value.code == code


# ------------------------------------------------------------------------------
# https: the socket goes to the vetted address, the certificate is checked for the host name
# ------------------------------------------------------------------------------
def _certificates(tmp_path, host: str):
    """A throwaway CA and a server certificate for `host` signed by it (PEM paths)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Throwaway test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_path, cert_path, key_path


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    import ssl

    ca_path, cert_path, key_path = _certificates(tmp_path, "feeds.example.test")
    seen: list[tuple[str, str, dict[str, str]]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    # the client trusts the throwaway CA (instead of the public ones) and nothing else changes
    client_context = ssl.create_default_context(cafile=str(ca_path))
    original = http._PinnedAddressAdapter.build_connection_pool_key_attributes

    def with_test_ca(self, request, verify, cert=None):
        host_params, pool_kwargs = original(self, request, verify, cert)
        pool_kwargs["ssl_context"] = client_context
        return host_params, pool_kwargs

    monkeypatch.setattr(http._PinnedAddressAdapter, "build_connection_pool_key_attributes", with_test_ca)
    monkeypatch.setattr(http, "_resolve", lambda host, port: ["127.0.0.1"])
    try:
        yield httpd.server_address[1], seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_goes_to_the_vetted_address_and_checks_the_certificate_for_the_host(tls_server):
    port, seen = tls_server
    response = safe_get(f"https://feeds.example.test:{port}/ok", timeout=5)
    assert response.status_code == 200
    assert seen[0][2]["host"] == f"feeds.example.test:{port}"
    # a name the certificate does not cover fails verification, though it reaches the same socket
    with pytest.raises(OutboundHttpError) as error:
        safe_get(f"https://other.example.test:{port}/ok", timeout=5)
    assert error.value.code == "connection_failed"
    assert len(seen) == 1
