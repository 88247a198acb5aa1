from __future__ import annotations

import pytest

from apps.fulfilment.carriers import CARRIERS, OTHER, carrier_choices, carrier_guess, carrier_tracking_url


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("1Z999AA10123456784", "ups"),
        ("9400 1000 0000 0000 0000 00", "usps"),
        ("RR123456785GB", "royal_mail"),
        ("RR123456785DE", "deutsche_post"),
        ("LZ123456789FR", "la_poste"),
        ("6A12345678901", "la_poste"),
        ("RR123456789ES", "correos"),
        ("RR123456789CA", "canada_post"),
        ("RR123456789AU", "australia_post"),
        ("EA123456789CN", "china_post"),
        ("LP00123456789012", "cainiao"),
        ("YT2012345678901234", "yunexpress"),
        ("4PX3000123456789CN", "4px"),
        ("UY123456789YP", "yanwen"),
        ("3SABCD1234567", "postnl"),
        ("H01HYA0001234567", "evri"),
        ("GM2951173225174494", "dhl_ecommerce"),
        ("1234567890", "dhl"),
        ("123456789012", "fedex"),
        ("01234567890123", "dpd"),
        ("12345678901", "gls"),
    ],
)
def test_carrier_guess_from_the_number_format(number, carrier):
    assert carrier_guess(number) == carrier


def test_no_guess_for_what_fits_no_format():
    assert carrier_guess("") is None
    assert carrier_guess("hello") is None
    assert carrier_guess("12") is None


def test_every_listed_carrier_has_a_tracking_link_with_the_number_quoted():
    assert len(CARRIERS) >= 20
    for code in CARRIERS:
        url = carrier_tracking_url(code, "AB 12/3")
        assert url.startswith("https://") and "AB%2012%2F3" in url
    assert carrier_tracking_url("unknown", "123") == ""
    assert carrier_tracking_url("ups", "") == ""
    assert carrier_choices()[-1][0] == OTHER
