"""The command palette's endpoint (JSON, for dashboard.js) and the same search as a plain page,
where the header's Search button leads without script. Both call `dashboard_search` with the
reader's permissions, so neither shows a kind of record the role may not read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from apps.core.navigation import nav_items
from apps.core.permissions import Perm, permission_required, user_permissions
from apps.dashboard.search import (
    QUERY_MAX_LENGTH,
    QUERY_MIN_LENGTH,
    SearchError,
    SearchResult,
    dashboard_search,
    results_grouped,
    search_query_clean,
)


def _search(request: HttpRequest, query: str) -> list[SearchResult]:
    permissions = user_permissions(request.user)
    return dashboard_search(query=query, permissions=permissions, pages=nav_items(permissions))


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
def search(request: HttpRequest) -> JsonResponse:
    """`{"data": [{kind, label, detail, url}], "error": null}`; a query too long answers 400
    with the message in `error`."""
    try:
        query = search_query_clean(request.GET.get("q"))
    except SearchError as error:
        return JsonResponse({"data": [], "error": error.message}, status=400)
    return JsonResponse({"data": [result.as_dict() for result in _search(request, query)], "error": None})


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
def search_page(request: HttpRequest) -> HttpResponse:
    error = ""
    query = ""
    results: list[SearchResult] = []
    try:
        query = search_query_clean(request.GET.get("q"))
    except SearchError as problem:
        error = problem.message
        query = str(request.GET.get("q", ""))[:QUERY_MAX_LENGTH]
    else:
        if query:
            results = _search(request, query)
    context = {
        "query": query,
        "error": error,
        "groups": results_grouped(results),
        "searched": bool(query) and not error,
        "min_length": QUERY_MIN_LENGTH,
        "max_length": QUERY_MAX_LENGTH,
    }
    return render(request, "dashboard/search.html", context, status=400 if error else 200)
