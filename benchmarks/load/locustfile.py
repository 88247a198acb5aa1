"""Mixed shopper traffic across many stores, for `benchmarks/bench_load.py` (which writes the
stores file, starts gunicorn and runs this headless).

Every request goes to the gunicorn address with the store's host in the Host header and
`X-Forwarded-Proto: https`, as the ingress in front of production sends it (production's
`SECURE_PROXY_SSL_HEADER`); cookies are kept by hand per shopper (they are `Secure` and
host-only, which a client talking plain HTTP to 127.0.0.1 would not send back), and redirects
are followed by hand to stay on the loopback address. Each task picks a store at random:

- home, a collection, a product, a search for the store's marker word (anonymous first visits);
- cart: a product page, add to cart, the cart page (a new shopper);
- checkout: the cart task, then the checkout steps as a browser without JavaScript posts them
  (contact, address, shipping rate, payment with the dummy gateway and a test card) to the order
  confirmation page.

Every response must be the expected status and belong to the store asked for: its body must
show the store's name, and catalog pages its marker word (a word in every product title of
that store and no other). A wrong status is an error; a page of the wrong store (or without
its marker) is a failure whose message starts with `MISMATCH`. The stores file (`LOAD_STORES`) is JSON: a
list of {"host", "name", "marker", "collection", "products": [handles]}.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import random
import re
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, task

with open(os.environ["LOAD_STORES"]) as stores_file:
    STORES: list[dict[str, Any]] = json.load(stores_file)

CARD = "4242 4242 4242 4242"
ADDRESS = {
    "shipping-name": "Load Shopper",
    "shipping-line1": "Unter den Linden 1",
    "shipping-city": "Berlin",
    "shipping-postal_code": "10117",
    "shipping-country": "DE",
    "billing_same": "on",
}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VARIANT = re.compile(r'name="variant"[^>]*value="(\d+)"|<option value="(\d+)"')
RATE = re.compile(r'name="rate" value="(\d+)"')
PLACE_FORM = re.compile(r'<form[^>]*action="[^"]*/place/"[^>]*>(?P<body>.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="(?P<name>[^"]+)" value="(?P<value>[^"]*)"')


class Mismatch(Exception):
    """The response was not the page of the store asked for."""


class Shopper:
    """One shopper's visit to one store: its cookies, CSRF token and the checks."""

    def __init__(self, user: HttpUser, store: dict[str, Any]) -> None:
        self.user = user
        self.store = store
        self.cookies: dict[str, str] = {}

    def _headers(self, method: str) -> dict[str, str]:
        host = self.store["host"]
        headers = {"Host": host, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = f"https://{host}"  # what a browser sends; CSRF checks it on HTTPS
            headers["Referer"] = f"https://{host}/"
        return headers

    def request(
        self,
        method: str,
        path: str,
        name: str,
        *,
        data: dict[str, str] | None = None,
        expect: int = 200,
        marker: bool = False,
    ) -> Any:
        """One request, checked: the status, and (for 200) the store's name and marker word."""
        with self.user.client.request(
            method,
            path,
            name=name,
            data=data,
            headers=self._headers(method),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            for cookie in response.cookies:  # parsed from Set-Cookie whatever its Secure flag
                self.cookies[cookie.name] = cookie.value or ""
            if response.status_code != expect:
                response.failure(f"{method} {path}: {response.status_code}, expected {expect}")
                raise Mismatch(name)
            if expect == 200:
                body = response.text
                wrong = [s["name"] for s in STORES if s is not self.store and f">{s['name']}<" in body]
                if self.store["name"] not in body or wrong or (marker and self.store["marker"] not in body):
                    response.failure(f"MISMATCH: {path} is not a page of {self.store['host']} ({wrong})")
                    raise Mismatch(name)
            else:
                location = response.headers.get("Location", "")
                response.location = urlsplit(location).path + (
                    "?" + urlsplit(location).query if urlsplit(location).query else ""
                )
                if urlsplit(location).netloc not in ("", self.store["host"]):
                    response.failure(f"redirected to another host: {location}")
                    raise Mismatch(name)
            response.success()
            return response

    def csrf(self, body: str) -> str:
        match = CSRF_INPUT.search(body)
        if match is None:
            raise Mismatch("no CSRF token in the form")
        return html.unescape(match.group(1))

    def add_to_cart(self) -> None:
        handle = random.choice(self.store["products"])
        page = self.request("GET", f"/products/{handle}/", "product", marker=True)
        variant = VARIANT.search(page.text)
        if variant is None:
            raise Mismatch("no variant on the product page")
        data = {
            "csrfmiddlewaretoken": self.csrf(page.text),
            "variant": variant.group(1) or variant.group(2),
            "quantity": "1",
        }
        self.request("POST", "/cart/add/", "cart add", data=data, expect=302)
        self.request("GET", "/cart/", "cart", marker=True)

    def checkout(self) -> None:
        self.add_to_cart()
        start = self.request("GET", "/checkout/", "checkout start", expect=302)
        token = start.location.split("/")[2]
        contact = self.request("GET", f"/checkout/{token}/contact/", "checkout contact")
        csrf = self.csrf(contact.text)
        email = f"load-{random.randrange(10**9)}@example.com"
        self.request(
            "POST",
            f"/checkout/{token}/contact/",
            "checkout contact post",
            data={"csrfmiddlewaretoken": csrf, "email": email},
            expect=302,
        )
        self.request(
            "POST",
            f"/checkout/{token}/address/",
            "checkout address post",
            data={"csrfmiddlewaretoken": csrf, **ADDRESS},
            expect=302,
        )
        shipping = self.request("GET", f"/checkout/{token}/shipping/", "checkout shipping")
        rate = RATE.search(shipping.text)
        if rate is None:
            raise Mismatch("no shipping rate offered")
        self.request(
            "POST",
            f"/checkout/{token}/shipping/",
            "checkout shipping post",
            data={"csrfmiddlewaretoken": csrf, "rate": rate.group(1)},
            expect=302,
        )
        payment = self.request("GET", f"/checkout/{token}/payment/", "checkout payment", marker=True)
        form = PLACE_FORM.search(payment.text)
        if form is None:
            raise Mismatch("no place-order form")
        fields = {m["name"]: html.unescape(m["value"]) for m in HIDDEN.finditer(form["body"])}
        placed = self.request(
            "POST",
            f"/checkout/{token}/place/",
            "checkout place",
            data={**fields, "method": "dummy", "card_number": CARD},
            expect=302,
        )
        if "/checkout/complete/" not in placed.location:
            raise Mismatch(f"placing did not confirm: {placed.location}")
        self.request("GET", placed.location, "order confirmation", marker=True)


class StoreShopper(HttpUser):
    wait_time = between(0.5, 2)

    def shopper(self) -> Shopper:
        return Shopper(self, random.choice(STORES))

    def _run(self, action: Any) -> None:
        with contextlib.suppress(Mismatch):  # already recorded as a failure; the visit ends there
            action()

    @task(4)
    def home(self) -> None:
        s = self.shopper()
        self._run(lambda: s.request("GET", "/", "home", marker=True))

    @task(3)
    def collection(self) -> None:
        s = self.shopper()
        self._run(
            lambda: s.request("GET", f"/collections/{s.store['collection']}/", "collection", marker=True)
        )

    @task(4)
    def product(self) -> None:
        s = self.shopper()
        handle = random.choice(s.store["products"])
        self._run(lambda: s.request("GET", f"/products/{handle}/", "product", marker=True))

    @task(2)
    def search(self) -> None:
        s = self.shopper()
        self._run(lambda: s.request("GET", f"/search/?q={s.store['marker']}", "search", marker=True))

    @task(2)
    def cart(self) -> None:
        s = self.shopper()
        self._run(s.add_to_cart)

    @task(1)
    def checkout(self) -> None:
        s = self.shopper()
        self._run(s.checkout)
