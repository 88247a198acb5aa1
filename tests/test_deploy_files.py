"""The Dockerfile and k8s manifests stay valid (there is no Docker engine or cluster here)."""

from __future__ import annotations

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
