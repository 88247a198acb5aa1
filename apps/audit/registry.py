"""Which models the audit log follows, and how.

Apps do not register themselves: this app's `ready()` names the models by label (see
`apps.audit.apps`), so no domain app depends on the audit log and the audit log imports no
face (the API app's keys are named by label too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models

# Never diffed anywhere: bookkeeping columns that change on every save.
ALWAYS_IGNORED = frozenset({"updated_at", "search_vector"})
# A field whose name says it holds a credential is recorded as changed, never with its values.
SECRET_NAME_PARTS = ("password", "secret", "token", "hash", "credential", "private")
SECRET_NAME_SUFFIXES = ("_key",)


@dataclass(frozen=True)
class AuditedModel:
    model: type[models.Model]
    # Only these fields are diffed (empty: every concrete field but the ignored ones).
    fields: tuple[str, ...] = ()
    ignore: frozenset[str] = frozenset()
    secret: frozenset[str] = frozenset()
    on_create: bool = True
    on_delete: bool = True
    # What is recorded outside a request with an actor (jobs, shell, the storefront), as
    # "system": only changes a merchant would want explained (a domain losing its verification,
    # an order cancelled by a job). Everything else without an actor is not recorded.
    system_actions: frozenset[str] = frozenset()
    # Creations worth recording (e.g. stock movements a person made, not reservations).
    create_when: Callable[[models.Model], bool] | None = None
    describe: Callable[[models.Model], str] = str
    # For rows of the public schema (a store's domains): the store schema to record in, or None.
    store_schema: Callable[[models.Model], str | None] | None = None
    diffed: tuple[models.Field, ...] = field(default=(), compare=False)  # type: ignore[type-arg]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_registry: dict[type[models.Model], AuditedModel] = {}


def audited_fields(model: type[models.Model], *, only: tuple[str, ...], ignore: frozenset[str]) -> tuple:  # type: ignore[type-arg]
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    if only:
        concrete = [f for f in concrete if f.name in only]
    return tuple(f for f in concrete if f.name not in ignore and f.name not in ALWAYS_IGNORED)


def is_secret(spec: AuditedModel, name: str) -> bool:
    lowered = name.lower()
    return (
        name in spec.secret
        or any(part in lowered for part in SECRET_NAME_PARTS)
        or lowered.endswith(SECRET_NAME_SUFFIXES)
    )


def audit_register(spec: AuditedModel) -> AuditedModel:
    """Follow `spec.model`; idempotent (the last registration of a model wins)."""
    from apps.audit import recorder

    diffed = audited_fields(spec.model, only=spec.fields, ignore=spec.ignore)
    spec = AuditedModel(**{**spec.__dict__, "diffed": diffed})
    _registry[spec.model] = spec
    recorder.connect(spec.model)
    return spec


def audited_model(model: type[models.Model]) -> AuditedModel | None:
    return _registry.get(model)


def audited_models() -> list[AuditedModel]:
    return sorted(_registry.values(), key=lambda spec: str(spec.model._meta.verbose_name))
