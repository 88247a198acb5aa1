"""The standard VAT rate of each of the 27 EU member states, for the dashboard's one-click
"load EU standard VAT rates" action (`apps.checkout.admin_services.tax_rates_load_eu_standard`).

Source: European Commission, DG TAXUD, "VAT rates applied in the Member States of the European
Union" (situation at 1 January 2025), with the national changes that took effect after it:
Estonia 22 % -> 24 % on 1 July 2025, Romania 19 % -> 21 % on 1 August 2025. Slovakia's 23 %
(1 January 2025) and Finland's 25.5 % (1 September 2024) are in the Commission's table.
Rates as in force on 1 August 2025; last checked December 2025.

Only standard rates are kept: reduced rates depend on the kind of goods, which a store sets by
hand. Rates change a few times a year across the EU; the merchant is told to check them, and
this table is reviewed when a member state announces a change. Keys are ISO 3166-1 alpha-2
codes (Greece is GR here, not the EL the Commission uses).
"""

from __future__ import annotations

from decimal import Decimal

EU_VAT_SOURCE = "European Commission, VAT rates applied in the Member States (1 Jan 2025) + EE, RO changes"
EU_VAT_AS_OF = "2025-08-01"

# Percent, as the tax rate form takes them (19 = 19 %).
EU_STANDARD_VAT_RATES: dict[str, Decimal] = {
    "AT": Decimal("20"),
    "BE": Decimal("21"),
    "BG": Decimal("20"),
    "CY": Decimal("19"),
    "CZ": Decimal("21"),
    "DE": Decimal("19"),
    "DK": Decimal("25"),
    "EE": Decimal("24"),
    "ES": Decimal("21"),
    "FI": Decimal("25.5"),
    "FR": Decimal("20"),
    "GR": Decimal("24"),
    "HR": Decimal("25"),
    "HU": Decimal("27"),
    "IE": Decimal("23"),
    "IT": Decimal("22"),
    "LT": Decimal("21"),
    "LU": Decimal("17"),
    "LV": Decimal("21"),
    "MT": Decimal("18"),
    "NL": Decimal("21"),
    "PL": Decimal("23"),
    "PT": Decimal("23"),
    "RO": Decimal("21"),
    "SE": Decimal("25"),
    "SI": Decimal("22"),
    "SK": Decimal("23"),
}
