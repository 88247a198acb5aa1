"""The Dockerfile and k8s manifests stay valid (there is no Docker engine or cluster here)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_k8s_manifests_and_dockerfile_validate():
    result = subprocess.run(
        ["bash", "scripts/validate_k8s.sh"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "validate_k8s: all checks passed" in result.stdout


def test_the_migrate_job_runs_the_projects_migration_command():
    job = (ROOT / "k8s" / "migrate-job.yaml").read_text()
    assert "migrate_all" in job


def test_k8s_validation_refuses_transaction_pooling_an_unserved_queue_and_no_default_deny(tmp_path):
    # given a copy of the manifests with PgBouncer in transaction mode, the `events` worker
    # removed and the default-deny NetworkPolicy dropped
    k8s = tmp_path / "k8s"
    shutil.copytree(ROOT / "k8s", k8s)
    pgbouncer = k8s / "pgbouncer.yaml"
    pgbouncer.write_text(pgbouncer.read_text().replace("value: session", "value: transaction"))
    workers = k8s / "worker.yaml"
    workers.write_text(
        "---\n".join(doc for doc in workers.read_text().split("---\n") if "name: worker-events\n" not in doc)
    )
    policies = k8s / "networkpolicy.yaml"
    policies.write_text(
        "---\n".join(doc for doc in policies.read_text().split("---\n") if "name: default-deny\n" not in doc)
    )

    # when the validation runs on it
    result = subprocess.run(
        ["bash", "scripts/validate_k8s.sh"],
        cwd=ROOT,
        env={**os.environ, "K8S_DIR": str(k8s)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    # then it fails, naming each problem
    assert result.returncode != 0
    assert "POOL_MODE must be session" in result.stdout
    assert "Celery queue 'events' (config/settings/base.py) has no worker Deployment" in result.stdout
    assert "no default-deny NetworkPolicy" in result.stdout
