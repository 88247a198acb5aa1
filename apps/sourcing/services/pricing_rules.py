"""Pricing rules: how a supplier's cost becomes our price (`apps.sourcing.pricing` applies them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.sourcing.errors import PricingRuleInvalid
from apps.sourcing.models import PricingRule, Supplier


@dataclass(frozen=True)
class PricingRuleInput:
    name: str
    supplier_id: int | None = None
    markup_percent: Decimal = Decimal("0")
    fixed_margin: Decimal = Decimal("0")
    rounding: str = PricingRule.Rounding.NINETY_NINE
    compare_at_percent: Decimal | None = None
    is_active: bool = True


@transaction.atomic
def pricing_rule_save(*, rule: PricingRule, data: PricingRuleInput, actor: User | None = None) -> PricingRule:
    """Create (an unsaved `PricingRule()`) or update a rule; one active rule per scope."""
    if not data.name.strip():
        raise PricingRuleInvalid(_("A pricing rule needs a name."), field="name")
    if data.markup_percent < -100:
        raise PricingRuleInvalid(
            _("A markup below -100% would make prices negative."), field="markup_percent"
        )
    if data.compare_at_percent is not None and data.compare_at_percent < 0:
        raise PricingRuleInvalid(_("The compare-at markup cannot be negative."), field="compare_at_percent")
    if data.rounding not in PricingRule.Rounding.values:
        raise PricingRuleInvalid(
            _("Unknown rounding “%(value)s”.") % {"value": data.rounding}, field="rounding"
        )
    if data.supplier_id is not None and not Supplier.objects.filter(pk=data.supplier_id).exists():
        raise PricingRuleInvalid(_("That supplier does not exist."), field="supplier")
    if data.is_active:
        same_scope = Q(supplier__isnull=True) if data.supplier_id is None else Q(supplier_id=data.supplier_id)
        clash = PricingRule.objects.filter(same_scope, is_active=True).exclude(pk=rule.pk).first()
        if clash is not None:
            scope = clash.supplier.name if clash.supplier else _("all suppliers")
            raise PricingRuleInvalid(
                _("The rule “%(rule)s” already applies to %(scope)s; deactivate it first or edit it instead.")
                % {"rule": clash.name, "scope": scope},
                field="supplier",
            )
    rule.name = data.name.strip()[:120]
    rule.supplier_id = data.supplier_id
    rule.markup_percent = data.markup_percent
    rule.fixed_margin = data.fixed_margin
    rule.rounding = data.rounding
    rule.compare_at_percent = data.compare_at_percent
    rule.is_active = data.is_active
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise PricingRuleInvalid(
            _("Another active rule already applies to the same suppliers."), field="supplier"
        ) from exc
    return rule


@transaction.atomic
def pricing_rule_delete(*, rule: PricingRule, actor: User | None = None) -> None:
    rule.delete()  # prices already set stay; new costs use the next rule that applies
