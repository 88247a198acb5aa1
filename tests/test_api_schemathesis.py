"""Schemathesis against `/api/v1/`: every operation of the published schema, fuzzed through the
real WSGI application on store alpha's host.

Pass 1, with a key of alpha holding every scope: positive and negative cases for each operation;
no case may get a 5xx (`not_a_server_error`), and a 2xx of an operation that declares security
must turn into a refusal without the key or with an invalid one (`ignored_auth`).
Pass 2, without a key: every admin operation (the ones with `x-scopes`) answers 401, whatever
the generated input.

The figures (cases generated, server errors, responses that ignored auth) are printed; a server
error is listed with the operation and the exact request, to hand to the endpoint's owner.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth

from apps.api.tests.factories import api_key_make

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SCHEMA_PATH = "/api/v1/schema/?format=json"
# Cases per operation and mode: ~90 operations x (4 positive + 2 negative) + the no-key pass keeps
# the whole module around a minute on a laptop.
POSITIVE_EXAMPLES = 4
NEGATIVE_EXAMPLES = 2
NO_KEY_EXAMPLES = 2


@pytest.fixture
def wsgi_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[WSGIHandler]:
    """Django's WSGI application inside the test's transaction: like Django's test client, it
    must not close the connection at the end of a request (that would end the transaction)."""
    from apps.api import access

    # Throttling is tested elsewhere; here it would turn later cases into 429s.
    monkeypatch.setattr(access, "_plan_rate", lambda request: 0)
    monkeypatch.setattr("django.conf.settings.API_ANONYMOUS_RATE_PER_MINUTE", 0)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass
class Tally:
    cases: int = 0
    by_mode: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    ignored_auth: list[str] = field(default_factory=list)
    routing_misses: int = 0
    other_failures: list[str] = field(default_factory=list)


def _routing_miss(response: Any) -> bool:
    """The catch-all's 404 for a path no API route matches (`apps.api.views.api_not_found`)."""
    if response.status_code != 404:
        return False
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return False
    return error.get("code") == "not_found" and str(error.get("message", "")).startswith("No API endpoint at")


def _describe(case: Any, response: Any) -> str:
    body = response.text[:300] if hasattr(response, "text") else ""
    return f"{case.operation.label}: {response.status_code}\n    {case.as_curl_command()}\n    -> {body}"


def _operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())
    return operations


def _isolated(send: Any) -> Any:
    """`send()` in a savepoint, rolled back after a 5xx: in production every request has its
    own transaction, here they share the test's, and one database error must not make every
    later request fail too (a finding is the first error, not its echo)."""
    savepoint = transaction.savepoint()
    response = send()
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response


def _run(operation: Any, mode: GenerationMode, examples: int, call: Any) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases on every run: a finding reproduces
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def one(case: Any) -> None:
        call(case, mode)

    # Unsatisfiable: nothing to make negative (no parameter, no body); the positive cases cover it.
    with contextlib.suppress(Unsatisfiable):
        one()


def test_schemathesis_finds_no_server_error_and_no_ignored_auth(alpha, wsgi_app):
    started = time.perf_counter()
    host = f"http://{alpha.host}"
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app, headers={"Host": alpha.host})
    schema.config.update(base_url=host)  # every request, probes included, on alpha's host
    operations = _operations(schema)
    loaded = time.perf_counter() - started
    assert len(operations) >= 2
    key = api_key_make(alpha)
    auth = {"Authorization": f"Bearer {key}"}
    tally = Tally()

    def call_with_key(case: Any, mode: GenerationMode) -> None:
        tally.cases += 1
        tally.by_mode[mode.value] += 1
        response = _isolated(lambda: case.call(base_url=host, headers=auth))
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors.append(_describe(case, response))
            return
        try:
            case.validate_response(
                response,
                checks=[not_a_server_error, ignored_auth],
                headers=auth,
                transport_kwargs={"base_url": host, "headers": auth},  # its probes go to alpha too
            )
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis' FailureGroup is the latter
            if _routing_miss(response):
                # A value no route takes (a slug with other letters): the API's catch-all answers
                # 404 before any view, so there was no endpoint whose auth could be ignored.
                tally.routing_misses += 1
                return
            text = str(failure)
            target = tally.ignored_auth if "auth" in text.lower() else tally.other_failures
            target.append(f"{_describe(case, response)}\n    {text[:300]}")

    for operation in operations:
        _run(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, call_with_key)
        _run(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, call_with_key)

    # Pass 2: no key at all on every admin operation
    admin = [op for op in operations if op.definition.raw.get("x-scopes")]
    no_key_cases = 0

    def call_without_key(case: Any, mode: GenerationMode) -> None:
        nonlocal no_key_cases
        no_key_cases += 1
        tally.cases += 1
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        response = _isolated(lambda: case.call(base_url=host))
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors.append(_describe(case, response))
        elif _routing_miss(response):
            tally.routing_misses += 1
        elif response.status_code != 401:
            tally.ignored_auth.append(_describe(case, response))

    for operation in admin:
        _run(operation, GenerationMode.POSITIVE, NO_KEY_EXAMPLES, call_without_key)

    print(
        f"\nschemathesis: {len(operations)} operations ({len(admin)} admin), {tally.cases} cases generated "
        f"({tally.by_mode['positive']} positive, {tally.by_mode['negative']} negative with the key, "
        f"{no_key_cases} without a key); server errors: {len(tally.server_errors)}; "
        f"responses that ignored auth: {len(tally.ignored_auth)}; "
        f"values no route takes (catch-all 404): {tally.routing_misses}; "
        f"statuses: {dict(sorted(tally.statuses.items()))}; "
        f"schema loaded in {loaded:.1f}s, cases run in {time.perf_counter() - started - loaded:.1f}s"
    )
    for finding in tally.other_failures[:20]:
        print(f"  other check: {finding}")
    assert tally.server_errors == [], "server errors:\n" + "\n".join(tally.server_errors[:30])
    assert tally.ignored_auth == [], "responses that ignored auth:\n" + "\n".join(tally.ignored_auth[:30])
