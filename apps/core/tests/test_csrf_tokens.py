"""CSRF secrets and masks drawn with one system call (`apps.core.csrf`): Django's format, checked
and accepted by Django's own middleware, uniform over the alphabet."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any
from unittest import mock

from django.conf import settings
from django.http import HttpResponse
from django.middleware import csrf as django_csrf_module
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CsrfViewMiddleware, get_token
from django.test import RequestFactory

from apps.core import csrf
from apps.core.csrf import csrf_string, mask_cipher_secret

django_csrf: Any = django_csrf_module  # the private functions the stubs leave out


def _view(request):
    return HttpResponse("ok")


def _middleware() -> CsrfViewMiddleware:
    return CsrfViewMiddleware(_view)


def test_djangos_get_token_draws_with_the_fast_functions():
    assert django_csrf._get_new_csrf_string is csrf_string
    assert django_csrf._mask_cipher_secret is mask_cipher_secret
    request = RequestFactory().get("/")
    _middleware().process_request(request)
    with mock.patch.object(csrf.os, "urandom", wraps=os.urandom) as urandom:
        token = get_token(request)  # a first visit: a new secret and a mask
    assert urandom.call_count == 2  # Django's own draws 64 times
    secret = request.META["CSRF_COOKIE"]
    django_csrf._check_token_format(secret)
    django_csrf._check_token_format(token)
    assert django_csrf._unmask_cipher_token(token) == secret


def test_a_token_from_the_fast_functions_passes_the_middleware_and_a_changed_one_does_not():
    factory = RequestFactory()
    first = factory.get("/")
    _middleware().process_request(first)
    token = get_token(first)
    secret = first.META["CSRF_COOKIE"]

    def post(token_sent: str):
        request = factory.post("/", {"csrfmiddlewaretoken": token_sent}, HTTP_HOST="testserver", secure=False)
        request.COOKIES[settings.CSRF_COOKIE_NAME] = secret
        middleware = _middleware()
        middleware.process_request(request)
        return middleware.process_view(request, _view, (), {})

    assert post(token) is None  # accepted
    changed = token[:-1] + ("a" if token[-1] != "a" else "b")
    rejected = post(changed)
    assert rejected is not None and rejected.status_code == 403
    # each token is masked anew, and every one of them unmasks to the visitor's secret
    again = mask_cipher_secret(secret)
    assert again != token and post(again) is None


def test_bytes_past_the_last_full_round_of_the_alphabet_are_thrown_away():
    # 248..255 would make the first eight characters likelier than the rest: skipped
    drawn = bytes([255, 248, 0, 61, 62, 247, 123]) + bytes(range(40))
    with mock.patch.object(csrf.os, "urandom", side_effect=[drawn[:40], drawn[40:] + bytes(40)]):
        value = csrf_string(8)
    assert value == "".join(CSRF_ALLOWED_CHARS[byte % 62] for byte in (0, 61, 62, 247, 123, 0, 1, 2))


def test_a_read_short_of_good_bytes_is_followed_by_another():
    with mock.patch.object(csrf.os, "urandom", side_effect=[bytes([250] * 40), bytes(range(40))]) as urandom:
        value = csrf_string(32)
    assert urandom.call_count == 2
    assert value == CSRF_ALLOWED_CHARS[:32]


def test_every_character_is_drawn_about_equally_often():
    counts = Counter("".join(csrf_string() for _ in range(2000)))  # 64,000 characters
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 64000 / len(CSRF_ALLOWED_CHARS)  # about 1,032; one standard deviation is about 32
    assert all(abs(count - expected) < 0.25 * expected for count in counts.values())


def test_install_leaves_django_alone_when_the_functions_are_gone(caplog):
    with (
        mock.patch.object(csrf, "_REPLACED", ("_no_such_function", "_mask_cipher_secret")),
        mock.patch.object(django_csrf, "_mask_cipher_secret", "untouched"),
    ):
        csrf.install()
        assert django_csrf._mask_cipher_secret == "untouched"
    assert "drawn the slow way" in caplog.text
