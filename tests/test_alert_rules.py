"""ops/prometheus/alerts.yml: well formed, every metric it reads is one the platform exports, and
(where promtool is installed) its alerts fire as alerts.test.yml says."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from tests.browser_support import in_ci

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "ops" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "ops" / "prometheus" / "alerts.test.yml"

# A metric name followed by its label selector or range ("http_requests_total{", "up{").
_SELECTED = re.compile(r"\b([a-zA-Z_][a-zA-Z0-9_:]*)\s*(?=[{\[])")
# A recording rule's name (level:metric:operations) used on its own.
_RECORDED = re.compile(r"\b([a-z_]+:[a-z0-9_]+:[a-z0-9_]+)\b")
# Series every Prometheus makes itself for each target.
_SCRAPE_SERIES = {"up"}
_SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_rule_has_an_expression_and_every_alert_says_who_and_what():
    rules = _rules()
    assert rules
    recorded = [rule["record"] for rule in rules if "record" in rule]
    assert len(recorded) == len(set(recorded))
    for rule in rules:
        assert str(rule.get("expr", "")).strip(), rule
        if "alert" in rule:
            assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
            assert rule["annotations"]["summary"].strip(), rule["alert"]
            assert rule["annotations"]["description"].strip(), rule["alert"]
    alerts = {rule["alert"] for rule in rules if "alert" in rule}
    assert {
        "CommerceErrorBudgetBurnFast",
        "CommerceErrorBudgetBurnSlow",
        "CommerceLatencyObjectiveMissed",
        "CeleryQueueGrowing",
        "CeleryTaskFailureRatioHigh",
        "CommerceMetricsAbsent",
    } <= alerts


def _exported_names(exposition: str) -> set[str]:
    names: set[str] = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            base = name.removesuffix("_total") if kind == "counter" else name
            names.update(base + suffix for suffix in _SUFFIXES.get(kind, [""]))
    return names


@pytest.mark.django_db
def test_the_rules_read_only_metrics_the_platform_exports():
    response = Client().get("/metrics", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    exported = _exported_names(response.content.decode())
    assert {"http_requests_total", "http_request_duration_seconds_bucket", "celery_queue_depth"} <= exported
    rules = _rules()
    recorded = {rule["record"] for rule in rules if "record" in rule}
    unknown: set[str] = set()
    for rule in rules:
        expr = str(rule["expr"])
        for name in _SELECTED.findall(expr):
            if name not in exported | _SCRAPE_SERIES | recorded:
                unknown.add(name)
        unknown.update(name for name in _RECORDED.findall(expr) if name not in recorded)
    assert unknown == set()


def test_promtool_accepts_the_rules_and_their_unit_tests_pass():
    if shutil.which("promtool") is None:
        # scripts/ensure-system-deps.sh installs it: missing under CI is a failure, not a skip.
        if in_ci():
            pytest.fail("promtool (Debian package prometheus) is not installed")
        pytest.skip("promtool (Debian package prometheus) not installed")
    for command in (["check", "rules", str(RULES)], ["test", "rules", str(RULE_TESTS)]):
        result = subprocess.run(["promtool", *command], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
