"""Sourcing error codes are one enum: every code the app raises is a member, errors carry their
parameters, and tasks hand back codes and parameters, never a sentence for people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from apps.catalog.errors import error_message
from apps.sourcing.errors import (
    FeedInvalid,
    FeedProblem,
    SourcingError,
    SourcingErrorCode,
    SupplierInvalid,
    sourcing_error_message,
)
from apps.sourcing.models import SupplierOffer
from apps.sourcing.tasks import supplier_sync_task
from apps.sourcing.tests.factories import make_feed_supplier

APP = Path(__file__).resolve().parents[1]
CODE_LITERAL = re.compile(r"""\bcode=["']([a-z0-9_]+)["']""")
SYNC_PAYLOAD_KEYS = {
    "supplier_id",
    "ok",
    "offers",
    "repriced",
    "unavailable",
    "unpublished",
    "error_code",
    "error_params",
}


def test_every_code_the_app_raises_is_an_enum_member():
    # given every `code="..."` written in the app's modules (tests aside)
    found = {
        match
        for path in APP.rglob("*.py")
        if "tests" not in path.relative_to(APP).parts and "migrations" not in path.relative_to(APP).parts
        for match in CODE_LITERAL.findall(path.read_text())
    }
    # then there are some, and each one is a SourcingErrorCode
    assert {"feed_malformed", "api_error", "upload_format"} <= found
    assert found - set(SourcingErrorCode.values) == set()


def test_errors_keep_their_stable_codes_as_enum_members():
    assert SupplierInvalid("x").code == "supplier_invalid" == SourcingErrorCode.SUPPLIER_INVALID
    assert SourcingError("x").code == SourcingErrorCode.SOURCING_ERROR
    raised = SourcingError("The feed is empty.", code="feed_empty", params={"url": "https://a.example"})
    assert raised.code is SourcingErrorCode.FEED_EMPTY
    assert raised.params == {"url": "https://a.example"}
    feed = FeedInvalid("2 problems", problems=[FeedProblem(row=2, column="sku", message="missing")] * 2)
    assert (feed.code, feed.params) == (SourcingErrorCode.FEED_INVALID, {"count": 2})


def test_an_unknown_code_is_refused_naming_the_enum():
    with pytest.raises(ValueError, match="not a SourcingErrorCode"):
        SourcingError("x", code="feed_on_fire")


@pytest.mark.django_db
def test_the_sync_task_returns_codes_not_sentences(alpha, fake):
    with tenant_context(alpha.tenant):
        # given a feed supplier with an offer, whose feed is broken
        supplier = make_feed_supplier(fake.feed("/feed.csv", "product_id,title\nbroken"))
        SupplierOffer.objects.create(supplier=supplier, supplier_sku="T-1", supplier_product_id="P1", cost=1)
        # when the sync task runs, and when it is sent for a supplier that is gone
        failed = supplier_sync_task(supplier.pk)
        missing = supplier_sync_task(supplier.pk + 1000)
    # then both say what happened in codes and numbers only
    assert failed["ok"] is False and set(failed) <= SYNC_PAYLOAD_KEYS
    assert failed["error_code"] == SourcingErrorCode.FEED_MALFORMED
    assert "text" not in failed["error_params"]
    assert missing == {
        "supplier_id": supplier.pk + 1000,
        "ok": False,
        "error_code": "supplier_not_found",
        "error_params": {"supplier_id": supplier.pk + 1000},
    }


@pytest.mark.parametrize(
    ("code", "params", "sentence"),
    [
        ("feed_empty", {}, "The feed lists no products."),
        (
            "feed_too_large",
            {"count": 9, "max": 5},
            "The feed lists 9 products; at most 5 can be imported at once.",
        ),
        ("feed_malformed", {"pos": 3}, "The feed is not UTF-8 text (a problem at byte 3)."),
        (
            "feed_malformed",
            {"column": "sku", "found": "product_id, title"},
            "The CSV feed has no “sku” column (columns found: product_id, title).",
        ),
        (
            "feed_malformed",
            {"error": "Expecting value", "line": 2},
            "The feed is not valid JSON: Expecting value (line 2).",
        ),
        (
            "api_error",
            {"supplier": "Ali", "id": "7", "message": "gone", "code": "404"},
            "Ali could not return product 7: gone (code 404).",
        ),
        (
            "api_bad_response",
            {"supplier": "Ali", "status": 502},
            "Ali answered HTTP 502 with something that is not JSON.",
        ),
        # params that do not fit the wording still give a sentence naming the code
        (
            "feed_too_large",
            {"count": "many"},
            "The supplier could not give us what we asked for (feed_too_large).",
        ),
    ],
)
def test_a_stored_code_and_params_are_worded_again(code, params, sentence):
    assert sourcing_error_message(code, params) == sentence
    # and the catalog's import-run pages word supplier-import failures the same way
    assert error_message(code, params) == sentence


def test_an_error_raised_without_a_message_is_worded_from_its_code():
    raised = SourcingError(code="feed_unreachable", params={"supplier": "Acme", "reason": "timed out"})
    assert raised.message == "The feed of Acme could not be fetched: timed out"
    assert str(raised) == raised.message


def test_a_message_raised_without_params_is_kept_as_text_until_params_are_passed():
    # a raise site that words its own sentence and passes nothing else
    worded = SourcingError("The CSV feed has no “sku” column.", code="feed_malformed")
    assert worded.params == {"text": "The CSV feed has no “sku” column."}
    assert sourcing_error_message(worded.code, worded.params) == worded.message
    # one that passes its params stores no sentence
    with_params = SourcingError(
        "ignored wording", code="feed_malformed", params={"column": "sku", "found": "id"}
    )
    assert "text" not in with_params.params
