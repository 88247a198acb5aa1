"""The import graph of apps/: no cycles between apps, imports point down (ARCHITECTURE.md "Layers").

Modules are grouped into units: `apps.<app>.dashboard.*` (an app's merchant pages),
`apps.<app>.storefront.*` (its shopper pages) and `apps.<app>.api.*` (its REST endpoints) are
faces of their own, apart from the app's domain
modules, so a domain app may keep its pages beside it without its services depending on them.
Tests, migrations and management commands are left out (they may reach anywhere).
"""

from __future__ import annotations

from collections import defaultdict

import grimp
import pytest

FACE_SUFFIXES = (".dashboard", ".api", ".storefront")
FACE_APPS = {"dashboard", "storefront", "api"}
# Feature apps (trends, copywriting, seo, ...) talk to the core through services and events only.
FEATURE_APPS = {
    "trends",
    "copywriting",
    "seo",
    "email_marketing",
    "competitors",
    "social",
    "ads",
    "assistant",
    "automations",
}
LEFT_OUT = (".tests", ".migrations", ".management")


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "apps":
        return None
    if any(f".{part}" in LEFT_OUT for part in parts[2:]):
        return None
    app = parts[1]
    if len(parts) > 2 and f".{parts[2]}" in FACE_SUFFIXES:
        return f"{app}.{parts[2]}"
    return app


@pytest.fixture(scope="module")
def unit_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("apps", exclude_type_checking_imports=True)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        source = _unit(module)
        if source is None:
            continue
        edges[source]  # every unit appears, even one that imports nothing
        for imported in graph.find_modules_directly_imported_by(module):
            target = _unit(imported)
            if target is not None and target != source:
                edges[source].add(target)
    return dict(edges)


def _is_face(unit: str) -> bool:
    return unit in FACE_APPS or unit.endswith(FACE_SUFFIXES)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycles(unit_graph):
    print("\nimport graph of apps/ (unit -> units it imports):")
    for unit in sorted(unit_graph):
        print(f"  {unit:24} -> {', '.join(sorted(unit_graph[unit])) or '-'}")
    assert _cycles(unit_graph) == []


def test_core_and_tenants_import_no_domain_app(unit_graph):
    assert unit_graph.get("core", set()) == set()
    assert unit_graph.get("tenants", set()) <= {"core"}


def test_domain_modules_never_import_a_face(unit_graph):
    wrong = {
        unit: sorted(target for target in targets if _is_face(target))
        for unit, targets in unit_graph.items()
        if not _is_face(unit) and any(_is_face(target) for target in targets)
    }
    assert wrong == {}


def test_feature_apps_never_import_each_other(unit_graph):
    wrong = {
        unit: sorted(targets & FEATURE_APPS)
        for unit, targets in unit_graph.items()
        if unit.split(".")[0] in FEATURE_APPS and targets & FEATURE_APPS - {unit.split(".")[0]}
    }
    assert wrong == {}


def test_api_faces_never_import_dashboard_faces(unit_graph):
    """An endpoint reads through the domain's selectors, not through a merchant page's helpers
    (what both need belongs in the domain app)."""

    def is_api(unit: str) -> bool:
        return unit == "api" or unit.endswith(".api")

    def is_dashboard(unit: str) -> bool:
        return unit == "dashboard" or unit.endswith(".dashboard")

    wrong = {
        unit: sorted(target for target in targets if is_dashboard(target))
        for unit, targets in unit_graph.items()
        if is_api(unit) and any(is_dashboard(target) for target in targets)
    }
    assert wrong == {}


def test_a_face_never_imports_another_apps_face_of_another_kind(unit_graph):
    """An app's storefront, API or dashboard code does not reach into another app's face of a
    different kind (the storefront API into the fraud app's storefront pages, say): what both
    need belongs in that app's domain modules. Faces of one kind gathering each other (the
    `dashboard` app mounting every app's `dashboard` URLs) and an app's own faces are fine."""

    def app_and_kind(unit: str) -> tuple[str, str]:
        app, _dot, kind = unit.partition(".")
        return app, kind or app

    wrong = {}
    for unit, targets in unit_graph.items():
        if not _is_face(unit):
            continue
        app, kind = app_and_kind(unit)
        crossing = sorted(
            target
            for target in targets
            if _is_face(target) and app_and_kind(target)[0] != app and app_and_kind(target)[1] != kind
        )
        if crossing:
            wrong[unit] = crossing
    assert wrong == {}
