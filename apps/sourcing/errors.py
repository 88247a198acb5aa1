"""Sourcing errors. Each has a stable `code` that interfaces and other apps may rely on."""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.errors import ApplicationError


class SourcingError(ApplicationError):
    """A supplier, its feed or its API could not give us what we asked for."""

    code = "sourcing_error"


@dataclass(frozen=True)
class FeedProblem:
    """One problem in one row (CSV line, JSON product index, API product) of a supplier feed."""

    row: int
    column: str
    message: str


class FeedInvalid(SourcingError):
    """The feed could be read, but some of its rows are unusable; `problems` names each one."""

    code = "feed_invalid"

    def __init__(self, message: str, *, problems: list[FeedProblem]) -> None:
        super().__init__(message)
        self.problems = problems


class PricingRuleInvalid(SourcingError):
    code = "pricing_rule_invalid"


class SupplierInvalid(SourcingError):
    code = "supplier_invalid"
