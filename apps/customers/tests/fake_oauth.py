"""A local stand-in for Google's OAuth 2.0 / OpenID Connect endpoints, served over real HTTP on
loopback, for the sign-in tests. It implements what allauth's Google provider calls:

- `GET /o/oauth2/v2/auth`: the authorize step. Checks the client id and the redirect URI, keeps
  the PKCE challenge, and redirects to the redirect URI with a one-time code and the state.
- `POST /token`: the code exchange. Checks client id and secret, the code (once), the same
  redirect URI, and the PKCE verifier against the challenge; answers an access token and, in
  `id_token` mode, an OpenID Connect id_token (a JWT with Google's issuer and the client id as
  audience).
- `GET /v2/userinfo`: the profile for a bearer access token (`userinfo` mode).

Every request is recorded in `calls`, so a test can show the exchange really happened, and the
client secret each code exchange sent in `secrets_received`.

`sign_in_with_google` walks a test client through the whole dance against it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests

GOOGLE_ISSUER = "https://accounts.google.com"
CLIENT_ID = "1234567890-fakeclient.apps.googleusercontent.com"
CLIENT_SECRET = "fake-client-secret-Zq8"
SHOPPER_EMAIL = "sam.shopper@example.com"


@dataclass
class Identity:
    sub: str
    email: str
    name: str = "Sam Shopper"
    email_verified: bool = True


@dataclass
class FakeGoogle:
    identity: Identity
    mode: str = "id_token"  # or "userinfo": no id_token, the provider asks the userinfo endpoint
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    calls: list[str] = field(default_factory=list)
    secrets_received: list[str] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, Identity] = field(default_factory=dict)
    base_url: str = ""
    _server: ThreadingHTTPServer | None = None

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/o/oauth2/v2/auth"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def userinfo_url(self) -> str:
        return f"{self.base_url}/v2/userinfo"

    def start(self) -> FakeGoogle:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if url.path == "/o/oauth2/v2/auth":
                    fake.calls.append("authorize")
                    self._authorize(query)
                elif url.path == "/v2/userinfo":
                    fake.calls.append("userinfo")
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    identity = fake.tokens.get(token)
                    if identity is None:
                        self._json(401, {"error": "invalid_token"})
                        return
                    self._json(
                        200,
                        {
                            "id": identity.sub,
                            "email": identity.email,
                            "verified_email": identity.email_verified,
                            "name": identity.name,
                            "given_name": identity.name.split(" ")[0],
                            "family_name": identity.name.split(" ")[-1],
                        },
                    )
                else:
                    self._json(404, {"error": "not_found"})

            def _authorize(self, query: dict[str, str]) -> None:
                if query.get("client_id") != fake.client_id or query.get("response_type") != "code":
                    self._json(400, {"error": "invalid_request"})
                    return
                code = secrets.token_urlsafe(16)
                fake.codes[code] = {
                    "redirect_uri": query["redirect_uri"],
                    "challenge": query.get("code_challenge", ""),
                    "method": query.get("code_challenge_method", ""),
                }
                target = (
                    f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

            def do_POST(self) -> None:
                if urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                fake.calls.append("token")
                length = int(self.headers.get("Content-Length", "0"))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                fake.secrets_received.append(form.get("client_secret", ""))
                grant = fake.codes.pop(form.get("code", ""), None)  # a code works once
                if (
                    grant is None
                    or form.get("grant_type") != "authorization_code"
                    or form.get("client_id") != fake.client_id
                    or form.get("client_secret") != fake.client_secret
                    or form.get("redirect_uri") != grant["redirect_uri"]
                    or not _pkce_ok(grant, form.get("code_verifier", ""))
                ):
                    self._json(400, {"error": "invalid_grant"})
                    return
                access_token = secrets.token_urlsafe(24)
                fake.tokens[access_token] = fake.identity
                body: dict[str, Any] = {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 3599,
                }
                if fake.mode == "id_token":
                    body["id_token"] = fake.id_token()
                fake.calls.append("token-ok")
                self._json(200, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def id_token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": GOOGLE_ISSUER,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": self.identity.sub,
            "email": self.identity.email,
            "email_verified": self.identity.email_verified,
            "name": self.identity.name,
            "given_name": self.identity.name.split(" ")[0],
            "family_name": self.identity.name.split(" ")[-1],
            "iat": now,
            "exp": now + 3600,
            "jti": secrets.token_hex(8),
        }
        # Signed with a key of the fake's own: allauth trusts an id_token it fetched itself from
        # the token endpoint without checking the signature (OpenID Connect Core 3.1.3.7).
        return jwt.encode(claims, secrets.token_hex(32), algorithm="HS256")


def _pkce_ok(grant: dict[str, str], verifier: str) -> bool:
    if not grant["challenge"]:
        return not verifier
    if grant["method"] != "S256" or not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant["challenge"]


def sign_in_with_google(client: Any, host: str) -> Any:
    """The whole dance as a browser does it, from `host`'s sign-in page; returns the callback's
    response."""
    # the sign-in page's Google button leads to allauth's confirmation page, which POSTs
    start = client.post("/accounts/google/login/?process=login")
    assert start.status_code == 302, start.content[:500]
    authorize = start["Location"]
    assert authorize.startswith("http://127.0.0.1:")
    assert parse_qs(urlsplit(authorize).query)["redirect_uri"] == [
        f"http://{host}/accounts/google/login/callback/"
    ]
    # the shopper's browser at the provider: it redirects back with a code
    consent = requests.get(authorize, allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    callback = urlsplit(consent.headers["Location"])
    assert callback.netloc == host
    return client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
